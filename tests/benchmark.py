"""Benchmarks: kltools' closed forms against the literal numpy formulas they replace.

Run with ``python tests/benchmark.py`` (``--help`` for the sizes); plain ``pytest``
does not collect it (its name does not start with ``test_``).  The machines are
shared and noisy, so every timing is a median of interleaved pairs measured in
the same run: baseline, kltools, baseline, kltools, ...  The ratio printed is the
median over the pairs of kltools' time divided by the baseline's.

Each ``bench_*`` function returns a list of rows (dicts with the keys of
:data:`COLUMNS`); :func:`main` prints the rows of every function in
:data:`BENCHMARKS` as one table.  The target is a ratio of at most 2 on every
row.

Input distributions for ``kl_normal`` (see :func:`kl_normal_data`):

* ``wide``, ``near``: the accuracy grids of :mod:`kltools.accuracy`;
* ``lognormal``: sigma_1, sigma_2 = exp(N(0, 1)), means N(0, 1): most scale
  ratios r = sigma_1/sigma_2 in the careful range, but not all;
* ``vae``: a VAE posterior against the prior N(0, 1) (mu_2 = 0, sigma_2 = 1),
  see :func:`vae_posterior`;
* ``mix10``: the near grid with 10 % of the elements, at random, from the wide one;
* ``alternating``: near and wide elements alternating one by one;
* ``band-edges``: r just inside and just outside 1/8, 1/2, 2 and 8, where
  the evaluation changes form, with small mean differences.

``kl_std_normal`` is timed against the VAE form ``-0.5*(1 + v - mu**2 - exp(v))``
(the literal formula for its inputs) on ``vae``, ``near``, ``wide`` and ``mix10`` in
(mu, v); ``entropy_normal`` and ``cross_entropy_normal`` against their literal formulas
on the lognormal scales.  Every baseline is imported from :mod:`kltools.baselines`, the
list the accuracy chapter measures.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from kltools import cross_entropy_normal, entropy_normal, kl_normal, kl_std_normal
from kltools.accuracy import kl_normal_grid, kl_std_normal_grid
from kltools.baselines import cross_entropy_literal, entropy_literal, kl_normal_textbook, vae_form

COLUMNS = ("function", "data", "dtype", "n", "baseline", "baseline_ms", "kltools_ms", "ratio")
KL_NORMAL_DATA = ("wide", "near", "lognormal", "vae", "mix10", "alternating", "band-edges")
KL_STD_NORMAL_DATA = ("vae", "near", "wide", "mix10")


def vae_posterior(n: int, rng) -> tuple[np.ndarray, np.ndarray]:
    """(mu, log_var) of a trained VAE's approximate posterior, flattened over a batch.

    Half the latent dimensions are active (mu ~ N(0, 1), log_var ~ N(-3, 1)),
    half collapsed onto the prior (mu and log_var ~ N(0, 10^-3^2)), the
    regime q ~ p where the careful forms do their work.
    """
    active = rng.random(n) < 0.5
    mu = np.where(active, rng.normal(size=n), 1e-3 * rng.normal(size=n))
    log_var = np.where(active, rng.normal(-3.0, 1.0, n), 1e-3 * rng.normal(size=n))
    return mu, log_var


def _mix(a, b, take_b):
    return tuple(np.where(take_b, y, x) for x, y in zip(a, b))


def kl_normal_data(kind: str, n: int, seed: int = 0, dtype=np.float64):
    """(mu1, sigma1, mu2, sigma2) of one of :data:`KL_NORMAL_DATA`, rounded to ``dtype``."""
    rng = np.random.default_rng(seed)
    if kind in ("wide", "near"):
        return kl_normal_grid(kind, n, seed=seed, dtype=dtype)
    if kind == "lognormal":
        m1, m2 = rng.normal(size=(2, n))
        s1, s2 = np.exp(rng.normal(size=(2, n)))
        arrays = (m1, s1, m2, s2)
    elif kind == "vae":
        mu, log_var = vae_posterior(n, rng)
        arrays = (mu, np.exp(0.5 * log_var), np.zeros(n), np.ones(n))
    elif kind in ("mix10", "alternating"):
        near = kl_normal_grid("near", n, seed=seed)
        wide = kl_normal_grid("wide", n, seed=seed + 1)
        take_wide = rng.random(n) < 0.1 if kind == "mix10" else np.arange(n) % 2 == 1
        arrays = _mix(near, wide, take_wide)
    elif kind == "band-edges":
        s2 = np.exp(rng.normal(size=n))
        edge = rng.choice([0.125, 0.5, 2.0, 8.0], n)
        s1 = s2 * edge * (1 + rng.uniform(-1e-3, 1e-3, n))
        m2 = rng.normal(size=n)
        arrays = (m2 + s2 * rng.normal(size=n), s1, m2, s2)
    else:
        raise ValueError(f"kind must be one of {KL_NORMAL_DATA}, got {kind!r}")
    return tuple(np.asarray(a, dtype=dtype) for a in arrays)


def kl_std_normal_data(kind: str, n: int, seed: int = 0, dtype=np.float64):
    """(mu, log_var) of one of :data:`KL_STD_NORMAL_DATA`, rounded to ``dtype``."""
    rng = np.random.default_rng(seed)
    if kind in ("near", "wide"):
        return kl_std_normal_grid(kind, n, seed=seed, dtype=dtype)
    if kind == "vae":
        arrays = vae_posterior(n, rng)
    elif kind == "mix10":
        near = kl_std_normal_grid("near", n, seed=seed)
        wide = kl_std_normal_grid("wide", n, seed=seed + 1)
        arrays = _mix(near, wide, rng.random(n) < 0.1)
    else:
        raise ValueError(f"kind must be one of {KL_STD_NORMAL_DATA}, got {kind!r}")
    return tuple(np.asarray(a, dtype=dtype) for a in arrays)


CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def time_pair(baseline, ours, args, repeats: int, clock: str = "wall"):
    """Median times (s) of ``baseline(*args)`` and ``ours(*args)``, and the median ratio.

    One untimed warm-up call each, then ``repeats`` interleaved pairs, timed by
    the ``clock`` of :data:`CLOCKS`: wall time, or the CPU time of this
    process, which other processes on a loaded machine disturb less (numpy
    runs these formulas on one thread, so the two agree on an idle machine).
    """
    now = CLOCKS[clock]
    with np.errstate(
        all="ignore"
    ):  # the literal formulas overflow on some data; that is their business
        baseline(*args), ours(*args)
        t_base, t_ours = [], []
        for _ in range(repeats):
            t0 = now()
            baseline(*args)
            t1 = now()
            ours(*args)
            t2 = now()
            t_base.append(t1 - t0)
            t_ours.append(t2 - t1)
    ratio = statistics.median(o / b for o, b in zip(t_ours, t_base))
    return statistics.median(t_base), statistics.median(t_ours), ratio


# function name: (the literal formula, kltools' function)
PAIRS = {
    "kl_normal": (kl_normal_textbook, kl_normal),
    "kl_std_normal": (vae_form, kl_std_normal),
    "entropy_normal": (entropy_literal, entropy_normal),
    "cross_entropy_normal": (cross_entropy_literal, cross_entropy_normal),
}


def _row(function, data, dtype, n, baseline, times):
    t_base, t_ours, ratio = times
    return dict(
        zip(
            COLUMNS,
            (function, data, np.dtype(dtype).name, n, baseline, 1e3 * t_base, 1e3 * t_ours, ratio),
        )
    )


def bench_kl_normal(
    n: int = 10**6,
    repeats: int = 7,
    dtypes=(np.float64, np.float32),
    kinds=KL_NORMAL_DATA,
    std_kinds=KL_STD_NORMAL_DATA,
    entropies: bool = True,
    seed: int = 0,
    clock: str = "wall",
    progress=None,
) -> list[dict]:
    """Time kltools' univariate closed forms against the literal formulas.

    Returns one row per (function, data, dtype): ``kl_normal`` on the ``kinds``
    of :data:`KL_NORMAL_DATA`, ``kl_std_normal`` on the ``std_kinds`` of
    :data:`KL_STD_NORMAL_DATA`, and, if ``entropies``, the entropy and the
    cross-entropy on the lognormal scales, timed by :func:`time_pair` with
    ``clock``.  ``progress(row)`` is called on each row as soon as it is measured.
    """
    cases = []
    for dtype in dtypes:
        cases += [("kl_normal", kind, dtype, "textbook") for kind in kinds]
        cases += [("kl_std_normal", kind, dtype, "VAE form") for kind in std_kinds]
        if entropies:
            cases += [
                (name, "lognormal", dtype, "literal")
                for name in ("entropy_normal", "cross_entropy_normal")
            ]
    rows = []
    for function, kind, dtype, baseline in cases:
        if function == "kl_std_normal":
            args = kl_std_normal_data(kind, n, seed, dtype)
        else:
            args = kl_normal_data(kind, n, seed, dtype)
        if function == "entropy_normal":
            args = args[1:2]
        base, ours = PAIRS[function]
        times = time_pair(base, ours, args, repeats, clock)
        rows.append(_row(function, kind, dtype, n, baseline, times))
        if progress is not None:
            progress(rows[-1])
    return rows


def _kl_normal_rows(args, progress):
    return bench_kl_normal(n=args.n, repeats=args.repeats, clock=args.clock, progress=progress)


def _kl_mvn_rows(args, progress):
    """kl_mvn on batches (tests/bench_kl_mvn.py, its own sizes; wall time)."""
    try:
        from bench_kl_mvn import bench_kl_mvn  # run as a script: tests/ is on the path
    except ImportError:
        from tests.bench_kl_mvn import bench_kl_mvn
    rows = []
    for r in bench_kl_mvn(repeats=args.repeats):
        rows.append(
            dict(
                zip(
                    COLUMNS,
                    (
                        "kl_mvn",
                        r["name"],
                        "float64",
                        r["n"],
                        "naive np",
                        1e3 * r["naive_s"],
                        1e3 * r["kl_mvn_s"],
                        r["ratio"],
                    ),
                )
            )
        )
        progress(rows[-1])
    return rows


# What main() runs: functions of (the parsed arguments, a progress callback)
# returning rows with the keys of COLUMNS.
BENCHMARKS = [_kl_normal_rows, _kl_mvn_rows]

HEADER = (
    f"{'function':22s} {'data':26s} {'dtype':8s} {'n':>8s} {'baseline':10s}"
    f" {'base ms':>9s} {'kltools ms':>10s} {'ratio':>6s}"
)


def format_row(r) -> str:
    return (
        f"{r['function']:22s} {r['data']:26s} {r['dtype']:8s} {r['n']:8.0e} "
        f"{r['baseline']:10s} {r['baseline_ms']:9.1f} {r['kltools_ms']:10.1f} {r['ratio']:6.2f}"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**6, help="elements per array (default 1e6)")
    parser.add_argument(
        "--repeats", type=int, default=7, help="interleaved pairs per row (default 7)"
    )
    parser.add_argument(
        "--clock",
        choices=CLOCKS,
        default="wall",
        help="wall time (default) or this process's CPU time (for a loaded machine)",
    )
    args = parser.parse_args(argv)
    print(
        f"{platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
        f"numpy {np.__version__}; {args.clock} time, medians of {args.repeats} interleaved "
        "pairs (baseline, kltools)"
    )
    print(HEADER, flush=True)
    rows = []
    for bench in BENCHMARKS:
        rows += bench(args, lambda row: print(format_row(row), flush=True))
    print(
        f"worst ratio: {max(r['ratio'] for r in rows):.2f}; "
        f"load {os.getloadavg()[0]:.1f} at the end"
    )


if __name__ == "__main__":
    main()
