"""Benchmark: kltools.kl_normal against the textbook numpy formula on 10^7-element arrays.

Run with ``python tests/bench_kl_normal.py``; plain ``pytest`` does not collect it
(its name does not start with ``test_``).  Timings are medians of interleaved
repeats measured in the same run, because the machines are shared and noisy.

Two data sets:

* ``wide``: means uniform in [-10^3, 10^3], log-variances uniform in [-30, 30]
  for both distributions (few elements need the careful branches);
* ``near``: sigma_1 = sigma_2 (1 + eps), |eps| <= 0.1, tiny mean differences:
  every element takes the careful branch (the regime of KL penalties).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from kltools import kl_normal


def textbook(mu1, sigma1, mu2, sigma2):
    return np.log(sigma2 / sigma1) + (sigma1**2 + (mu1 - mu2) ** 2) / (2 * sigma2**2) - 0.5


def data(kind: str, n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    if kind == "wide":
        return (rng.uniform(-1e3, 1e3, n), np.exp(rng.uniform(-15, 15, n)),
                rng.uniform(-1e3, 1e3, n), np.exp(rng.uniform(-15, 15, n)))
    s2 = np.exp(rng.uniform(-5, 5, n))
    return (rng.normal(size=n) * 1e-6 * s2, s2 * (1 + rng.uniform(-0.1, 0.1, n)), np.zeros(n), s2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10**7)
    parser.add_argument("--repeats", type=int, default=9)
    args = parser.parse_args()
    print(f"n = {args.n:.0e}, medians of {args.repeats} interleaved repeats")
    for kind in ("wide", "near"):
        arrays = data(kind, args.n)
        kl_normal(*arrays), textbook(*arrays)  # warm up
        t_naive, t_kl = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter(); textbook(*arrays); t_naive.append(time.perf_counter() - t0)
            t0 = time.perf_counter(); kl_normal(*arrays); t_kl.append(time.perf_counter() - t0)
        naive, ours = statistics.median(t_naive), statistics.median(t_kl)
        print(f"{kind:5s}: textbook {naive * 1e3:7.1f} ms   kl_normal {ours * 1e3:7.1f} ms   kltools / naive = {ours / naive:.2f}")


if __name__ == "__main__":
    main()
