"""The accuracy contract on seeded samples of the book's three grids, against 50-digit mpmath.

KL (kl_normal, kl_std_normal), in ulps of the result:
  float64: at most 4 ulp, and no NaN, no spurious inf, no negative value;
  float32: the result stays float32 and is within 1 ulp (computed in float64, rounded once).
Entropy, which crosses zero, in ulps of the result too: at most 4 (float64) and 1 (float32)
ulp, also on the near grid around its zero.
Cross-entropy, a sum of parts of both signs, H(p) + (r^2 - 1)/2 + delta^2/2, each computed to a
few ulp of itself: at most 4 (float64) and 1 (float32) ulps of the sum of their absolute
values, and, as the accuracy chapter claims, at most 8 ulps of the literal formula's terms.
The accuracy chapter measures the same on smaller samples of its own; this is the contract.
"""

import mpmath as mp
import numpy as np
import pytest

from kltools import cross_entropy_normal, entropy_normal, kl_normal, kl_std_normal
from kltools.accuracy import (
    GRIDS,
    entropy_normal_grid,
    kl_normal_grid,
    kl_normal_textbook,
    kl_std_normal_grid,
    ulp_error,
    ulp_errors,
)

from ._ids import case_id
from .reference import (
    cross_entropy_normal_ref,
    entropy_normal_ref,
    kl_normal_ref,
    kl_std_normal_ref,
)

N = 1000
BOUND = {np.float64: 4.0, np.float32: 1.0}


FAMILIES = {
    "kl_normal": (kl_normal, kl_normal_grid, kl_normal_ref),
    "kl_std_normal": (kl_std_normal, kl_std_normal_grid, kl_std_normal_ref),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=case_id)
@pytest.mark.parametrize("kind", GRIDS, ids=case_id)
@pytest.mark.parametrize("family", FAMILIES, ids=case_id)
def test_grid(family, kind, dtype):
    func, grid, ref = FAMILIES[family]
    args = grid(kind, N, seed=2026, dtype=dtype)
    out = func(*args)
    assert out.dtype == dtype
    assert not np.any(np.isnan(out)) and not np.any(out < 0)
    refs = [ref(*(a[i] for a in args)) for i in range(N)]
    errors = ulp_errors(out, refs, dtype)
    assert (
        errors.max() <= BOUND[dtype]
    )  # an inf where the KL is finite counts as an infinite error
    worst = int(np.argmax(errors))  # the vectorised count agrees with the scalar one
    assert ulp_error(out[worst], refs[worst], dtype) == pytest.approx(errors[worst], rel=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=case_id)
@pytest.mark.parametrize("kind", GRIDS, ids=case_id)
def test_entropy_within_a_few_ulps_of_the_result(kind, dtype):
    """Relative accuracy everywhere, also on the near grid, which crosses the zero."""
    sigma = entropy_normal_grid(kind, N, seed=2026, dtype=dtype)
    out = entropy_normal(sigma)
    assert out.dtype == dtype and not np.any(np.isnan(out))
    errors = ulp_errors(out, [entropy_normal_ref(s) for s in sigma], dtype)
    assert errors.max() <= BOUND[dtype]


def _cross_entropy_parts(mu1, sigma1, mu2, sigma2):
    """|H(p)| + |r^2 - 1|/2 + delta^2/2: the parts cross_entropy_normal adds."""
    with mp.workdps(50):
        m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (mu1, sigma1, mu2, sigma2))
        h_p = mp.log(2 * mp.pi * mp.e * s2**2) / 2
        return abs(h_p) + abs((s1 / s2) ** 2 - 1) / 2 + ((m1 - m2) / s2) ** 2 / 2


def _cross_entropy_terms(mu1, sigma1, mu2, sigma2):
    """delta^2/2 + r^2/2 + |log sigma2| + log(2 pi)/2: the terms of the literal formula."""
    with mp.workdps(50):
        m1, s1, m2, s2 = (mp.mpf(float(v)) for v in (mu1, sigma1, mu2, sigma2))
        return (
            ((m1 - m2) / s2) ** 2 / 2
            + (s1 / s2) ** 2 / 2
            + abs(mp.log(s2))
            + mp.log(2 * mp.pi) / 2
        )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=case_id)
@pytest.mark.parametrize("kind", GRIDS, ids=case_id)
def test_cross_entropy_within_a_few_ulps_of_its_parts(kind, dtype):
    """At most 4 ulps of its parts (1 in float32); the accuracy chapter's claim, at most
    8 ulps of the literal formula's terms, follows on these grids and is checked too."""
    args = kl_normal_grid(kind, N, seed=2026, dtype=dtype)
    out = cross_entropy_normal(*args)
    assert out.dtype == dtype and not np.any(np.isnan(out))
    points = list(zip(*args))
    refs = [cross_entropy_normal_ref(*pt) for pt in points]
    parts = ulp_errors(out, refs, dtype, scale=[_cross_entropy_parts(*pt) for pt in points])
    assert parts.max() <= BOUND[dtype]
    terms = ulp_errors(out, refs, dtype, scale=[_cross_entropy_terms(*pt) for pt in points])
    assert terms.max() <= (8.0 if dtype == np.float64 else 1.0)


def test_the_grids_are_hard_for_the_literal_forms():
    """The grids are hard: the textbook and VAE forms lose every digit or overflow on them."""
    near = kl_normal_grid("near", N, seed=2026)
    textbook = kl_normal_textbook(*near)
    refs = [kl_normal_ref(*pt) for pt in zip(*near)]
    assert ulp_errors(textbook, refs).max() > 1e6
    mu, lv = kl_std_normal_grid("extreme", N, seed=2026)
    with np.errstate(over="ignore"):
        vae = -0.5 * (1 + lv - mu**2 - np.exp(lv))
    assert np.any(np.isinf(vae) & np.isfinite(kl_std_normal(mu, lv)))
    s = entropy_normal_grid("extreme", N, seed=2026)
    with np.errstate(all="ignore"):
        naive = 0.5 * np.log(2 * np.pi * np.e * s**2)
    assert np.any(np.isinf(naive)) and np.all(np.isfinite(entropy_normal(s)))


def test_ulp_errors_conventions():
    with mp.workdps(50):
        third = mp.mpf(1) / 3
        huge = mp.mpf(10) ** 400
    got = np.array([1 / 3, np.nextafter(1 / 3, 1), np.inf, np.nan, np.inf, -np.inf])
    refs = [third, third, third, third, huge, huge]
    err = ulp_errors(got, refs)
    expected = [ulp_error(g, r) for g, r in zip(got, refs)]
    assert err[:2] == pytest.approx(expected[:2], rel=1e-12) and err[0] <= 0.5 < err[1] <= 1.5
    assert list(err[2:]) == [np.inf, np.inf, 0.0, np.inf] == expected[2:]
    # in ulps of a scale: an error of 1e-16 near a zero crossing is huge relative to the result,
    # and a fraction of an ulp of terms of size 1
    assert ulp_errors([1e-16], [mp.mpf(0)])[0] > 1e6
    assert ulp_errors([1e-16], [mp.mpf(0)], scale=[mp.mpf(1)])[0] < 1
