"""The accuracy contract on seeded samples of the book's three grids, against 50-digit mpmath.

float64: at most 4 ulp, and no NaN, no spurious inf, no negative value.
float32: the result stays float32 and is correctly rounded (computed in float64).
"""

import numpy as np
import pytest

from kltools import kl_normal, kl_std_normal
from kltools.accuracy import GRIDS, kl_normal_grid, kl_std_normal_grid, ulp_error

from .reference import kl_normal_ref, kl_std_normal_ref

N = 250
BOUND = {np.float64: 4.0, np.float32: 1.0}


FAMILIES = {
    "kl_normal": (kl_normal, kl_normal_grid, kl_normal_ref),
    "kl_std_normal": (kl_std_normal, kl_std_normal_grid, kl_std_normal_ref),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", GRIDS)
@pytest.mark.parametrize("family", FAMILIES)
def test_grid(family, kind, dtype):
    func, grid, ref = FAMILIES[family]
    args = grid(kind, N, seed=2026, dtype=dtype)
    out = func(*args)
    assert out.dtype == dtype
    assert not np.any(np.isnan(out)) and not np.any(out < 0)
    errors = [ulp_error(out[i], ref(*(a[i] for a in args)), dtype) for i in range(N)]
    assert max(errors) <= BOUND[dtype]  # an inf where the KL is finite counts as an infinite error


def test_the_literal_forms_fail_where_kltools_does_not():
    """The grids are hard: the textbook and VAE forms lose every digit on them."""
    m1, s1, m2, s2 = kl_normal_grid("near", N, seed=2026)
    textbook = np.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - 0.5
    assert max(ulp_error(textbook[i], kl_normal_ref(m1[i], s1[i], m2[i], s2[i])) for i in range(N)) > 1e6
    mu, lv = kl_std_normal_grid("extreme", N, seed=2026)
    with np.errstate(over="ignore"):
        vae = -0.5 * (1 + lv - mu**2 - np.exp(lv))
    assert np.any(np.isinf(vae) & np.isfinite(kl_std_normal(mu, lv)))
