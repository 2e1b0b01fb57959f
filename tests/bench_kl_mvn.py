"""Benchmark: kltools.kl_mvn on batches against a naive batched numpy formula.

Run with ``python tests/bench_kl_mvn.py``; plain ``pytest`` does not collect it
(its name does not start with ``test_``).  The naive formula is the textbook
KL typed with batched ``np.linalg.inv``, ``np.linalg.slogdet`` and
``np.einsum``: the fastest plain-numpy evaluation, with none of kl_mvn's
validation or care near q = p.  Timings are medians of interleaved pairs
(naive, kl_mvn, naive, kl_mvn, ...) measured in the same run, because the
machines are shared and noisy.

The covariances are A A^T / d + I with A standard normal (well conditioned),
the means standard normal.  In the "independent" cases q and p are drawn
independently (about 60% of the 3 x 3 pairs still fall in kl_mvn's near
band, every diagonal ratio of L2^-1 L1 within sqrt(1/2)..sqrt(2)); in the
"q ~ p" cases Sigma_1 = Sigma_2 (1 + 1e-3 noise), the regime of KL penalties,
and every pair takes the near path (one more solve and the eigenvalues).

``bench_triangular_solves`` times the batched triangular-solve options that
kl_mvn chose between.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from kltools import kl_mvn
from kltools.baselines import kl_mvn_inverse_form

#: (name, batch size, d, q ~ p): the 1e5 x 3x3 case first, then other dimensions.
CASES = [
    ("1e5 x 3x3, independent", 100_000, 3, False),
    ("1e5 x 3x3, q ~ p", 100_000, 3, True),
    ("1e5 x 1x1, independent", 100_000, 1, False),
    ("1e4 x 10x10, independent", 10_000, 10, False),
    ("1e3 x 50x50, independent", 1_000, 50, False),
    ("1e3 x 50x50, q ~ p", 1_000, 50, True),
    ("1 x 500x500, independent", 1, 500, False),
]


#: The textbook formula, batched: explicit inverse and log-determinants.
naive_kl_mvn = kl_mvn_inverse_form


def data(n: int, d: int, near: bool = False, seed: int = 0):
    """n pairs (mu1, cov1, mu2, cov2) of d-dimensional Gaussians, independent or q ~ p."""
    rng = np.random.default_rng(seed)

    def covariances():
        a = rng.normal(size=(n, d, d))
        return a @ np.swapaxes(a, -1, -2) / d + np.eye(d)

    mu2, cov2 = rng.normal(size=(n, d)), covariances()
    if not near:
        return rng.normal(size=(n, d)), covariances(), mu2, cov2
    noise = 1e-3 * rng.uniform(-1, 1, size=(n, d, d))
    cov1 = cov2 * (1 + noise + np.swapaxes(noise, -1, -2))
    return mu2 + 1e-3 * rng.normal(size=(n, d)), cov1, mu2, cov2


def bench_kl_mvn(cases=CASES, repeats: int = 7) -> list[dict]:
    """Time kl_mvn against :func:`naive_kl_mvn` on each case.

    Returns one row per case: ``name``, ``n`` (pairs), ``d``,
    ``naive_s`` and ``kl_mvn_s`` (median seconds over ``repeats`` interleaved
    pairs of calls) and ``ratio`` = kl_mvn / naive.  Before timing, it asserts
    that the two agree to a relative 1e-8 on independent pairs, 1e-4 on
    q ~ p pairs (where the naive formula cancels: KL ~ 1e-6 from terms ~ d).
    """
    rows = []
    for name, n, d, near in cases:
        args = data(n, d, near)
        ours, naive = kl_mvn(*args), naive_kl_mvn(*args)  # also a warm-up
        assert np.allclose(ours, naive, rtol=1e-4 if near else 1e-8, atol=0), name
        t_naive, t_ours = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            naive_kl_mvn(*args)
            t_naive.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            kl_mvn(*args)
            t_ours.append(time.perf_counter() - t0)
        a, b = statistics.median(t_naive), statistics.median(t_ours)
        rows.append({"name": name, "n": n, "d": d, "naive_s": a, "kl_mvn_s": b, "ratio": b / a})
    return rows


def bench_triangular_solves(n: int = 100_000, d: int = 3, repeats: int = 5) -> list[dict]:
    """Time the options for L^-1 B on a batch of n lower-triangular d x d factors.

    B is d x (2d + 1).

    kl_mvn's forward substitution vectorised over the batch (its path for
    d <= 16), ``numpy.linalg.solve`` (LU of the factor, batched in C: its path
    beyond), scipy's batched ``scipy.linalg.solve(assume_a="lower triangular")``, and a
    Python loop of ``scipy.linalg.solve_triangular`` over n // 100 matrices,
    scaled by 100.  Rows: ``name``, ``seconds`` (median), ``ratio`` to numpy.
    """
    from scipy import linalg

    from kltools.multivariate import _solve_lower

    rng = np.random.default_rng(1)
    _, cov, _, _ = data(n, d)
    factor, rhs = np.linalg.cholesky(cov), rng.normal(size=(n, d, 2 * d + 1))
    few = n // 100
    options = {
        "forward substitution over the batch (kl_mvn)": lambda: _solve_lower(factor, rhs),
        "numpy.linalg.solve (batched LU)": lambda: np.linalg.solve(factor, rhs),
        "scipy.linalg.solve, lower triangular (batched)": lambda: linalg.solve(
            factor, rhs, assume_a="lower triangular", check_finite=False
        ),
        "scipy.linalg.solve_triangular, Python loop (x100)": lambda: [
            linalg.solve_triangular(f, b, lower=True) for f, b in zip(factor[:few], rhs[:few])
        ],
    }
    times = {name: [] for name in options}
    for _ in range(repeats):
        for name, run in options.items():
            t0 = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - t0)
    medians = {
        name: statistics.median(t) * (100 if "loop" in name else 1) for name, t in times.items()
    }
    base = medians["numpy.linalg.solve (batched LU)"]
    return [{"name": name, "seconds": t, "ratio": t / base} for name, t in medians.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(
        "kl_mvn against naive batched numpy (inv, slogdet, einsum), "
        f"medians of {args.repeats} interleaved pairs"
    )
    for row in bench_kl_mvn(repeats=args.repeats):
        print(
            f"{row['name']:26s}: naive {row['naive_s'] * 1e3:8.1f} ms   "
            f"kl_mvn {row['kl_mvn_s'] * 1e3:8.1f} ms"
            f"   kl_mvn / naive = {row['ratio']:.2f}"
        )

    print("\nbatched triangular solves, 1e5 factors 3 x 3, 7 right-hand sides, medians of 5")
    for row in bench_triangular_solves():
        print(f"{row['name']:50s}: {row['seconds'] * 1e3:8.1f} ms   {row['ratio']:6.1f} x numpy")


if __name__ == "__main__":
    main()
