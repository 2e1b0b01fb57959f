"""Benchmark: kltools.kl_mvn on batches against a naive batched numpy formula.

Run with ``python tests/bench_kl_mvn.py``; plain ``pytest`` does not collect it
(its name does not start with ``test_``).  The naive formula is the textbook
KL typed with batched ``np.linalg.inv``, ``np.linalg.slogdet`` and
``np.einsum``: the fastest plain-numpy evaluation, with none of kl_mvn's
validation or care near q = p.  Timings are medians of interleaved pairs
(naive, kl_mvn, naive, kl_mvn, ...) measured in the same run, because the
machines are shared and noisy.

The covariances are A A^T / d + I with A standard normal (well conditioned),
the means standard normal, q and p drawn independently.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from kltools import kl_mvn

#: (name, batch size, d): the issue's case first, then other dimensions.
CASES = [
    ("1e5 pairs, d = 3", 100_000, 3),
    ("1e5 pairs, d = 1", 100_000, 1),
    ("1e4 pairs, d = 10", 10_000, 10),
    ("1e3 pairs, d = 50", 1_000, 50),
    ("1 pair, d = 500", 1, 500),
]


def naive_kl_mvn(mu1, cov1, mu2, cov2):
    """The textbook formula, batched: explicit inverse and log-determinants."""
    inv2 = np.linalg.inv(cov2)
    diff = mu2 - mu1
    trace = np.einsum("...ij,...ji->...", inv2, cov1)
    mahalanobis = np.einsum("...i,...ij,...j->...", diff, inv2, diff)
    log_det = np.linalg.slogdet(cov2)[1] - np.linalg.slogdet(cov1)[1]
    return 0.5 * (trace + mahalanobis - mu1.shape[-1] + log_det)


def data(n: int, d: int, seed: int = 0):
    """n independent pairs (mu1, cov1, mu2, cov2) of d-dimensional Gaussians."""
    rng = np.random.default_rng(seed)

    def covariances():
        a = rng.normal(size=(n, d, d))
        return a @ np.swapaxes(a, -1, -2) / d + np.eye(d)

    return rng.normal(size=(n, d)), covariances(), rng.normal(size=(n, d)), covariances()


def bench_kl_mvn(cases=CASES, repeats: int = 7) -> list[dict]:
    """Time kl_mvn against :func:`naive_kl_mvn` on each case.

    Returns one row per case: ``name``, ``n`` (pairs), ``d``,
    ``naive_s`` and ``kl_mvn_s`` (median seconds over ``repeats`` interleaved
    pairs of calls) and ``ratio`` = kl_mvn / naive.  Before timing, it asserts
    that the two agree to a relative 1e-8 (both are accurate to far better
    on these well-conditioned, well-separated pairs).
    """
    rows = []
    for name, n, d in cases:
        args = data(n, d)
        ours, naive = kl_mvn(*args), naive_kl_mvn(*args)  # also a warm-up
        assert np.allclose(ours, naive, rtol=1e-8, atol=0), name
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    print(f"kl_mvn against naive batched numpy (inv, slogdet, einsum), medians of {args.repeats} interleaved pairs")
    for row in bench_kl_mvn(repeats=args.repeats):
        print(f"{row['name']:18s}: naive {row['naive_s'] * 1e3:8.1f} ms   kl_mvn {row['kl_mvn_s'] * 1e3:8.1f} ms"
              f"   kl_mvn / naive = {row['ratio']:.2f}")


if __name__ == "__main__":
    main()
