"""kltools.k1, k2, k3: against 50-digit mpmath (float64 and float32), properties, bad input."""

import doctest

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kltools.estimators
from kltools import k1, k2, k3
from kltools.accuracy import ulp_error

from ._ids import case_id

MAX_ULP = 4  # the accuracy contract: a few ulp, as for kltools' closed forms
DPS = 50


def k3_ref(t) -> mp.mpf:
    """(e^t - 1) - t of the exact binary input, at 50 digits."""
    with mp.workdps(DPS):
        v = mp.mpf(float(t))
        return mp.expm1(v) - v


def k2_ref(t) -> mp.mpf:
    with mp.workdps(DPS):
        return mp.mpf(float(t)) ** 2 / 2


# Points where the literal formulas fail: tiny |t| (cancellation), the series
# boundary |t| = 1, large negative t (k3 ~ -t), and near overflow.
POINTS = [
    0.0,
    5e-324,
    -1e-300,
    1e-200,
    1e-12,
    -1e-8,
    3.2934e-4,
    -3.2934e-4,
    0.01,
    -0.3,
    0.999999,
    1.0,
    -1.0,
    1.0000001,
    2.5,
    -20.0,
    50.0,
    -1e6,
    700.0,
    709.7,
    -1e300,
]


@pytest.mark.parametrize("t", POINTS, ids=case_id)
def test_float64_against_mpmath(t):
    assert ulp_error(k3(t), k3_ref(t)) <= MAX_ULP
    assert ulp_error(k2(t), k2_ref(t)) <= MAX_ULP
    assert k1(t) == -t


POINTS32 = [
    0.0,
    1e-40,
    -1e-20,
    1e-6,
    -3.2934e-4,
    3.2934e-4,
    0.05,
    -0.7,
    1.0,
    -1.0,
    1.5,
    -30.0,
    60.0,
    88.0,
    -1e30,
]


@pytest.mark.parametrize("t", POINTS32, ids=case_id)
def test_float32_against_mpmath(t):
    t32 = np.float32(t)
    for f, ref in ((k3, k3_ref), (k2, k2_ref)):
        got = f(t32)
        assert got.dtype == np.float32
        assert ulp_error(got, ref(t32), dtype=np.float32) <= MAX_ULP


def test_float32_where_the_literal_formula_goes_negative():
    t = np.float32(-3.2934e-4)
    assert np.exp(t) - t - np.float32(1) < 0  # the reported float32 bug
    assert k3(t) > 0
    assert ulp_error(k3(t), k3_ref(t), dtype=np.float32) <= MAX_ULP


def test_dense_sweep_against_mpmath():
    # 400 log-spaced |t| in [1e-10, 700], both signs, float64 and float32.
    rng = np.random.default_rng(15)
    mags = np.geomspace(1e-10, 700.0, 200) * rng.uniform(0.5, 1.0, 200)
    ts = np.concatenate([mags, -mags])
    worst64 = max(ulp_error(v, k3_ref(t)) for t, v in zip(ts, k3(ts)))
    ts32 = ts[np.abs(ts) < 88.0].astype(np.float32)
    worst32 = max(ulp_error(v, k3_ref(t), dtype=np.float32) for t, v in zip(ts32, k3(ts32)))
    assert worst64 <= MAX_ULP and worst32 <= MAX_ULP


def test_overflow_only_where_the_value_overflows():
    assert np.isfinite(k3(709.7)) and k3(710.0) == np.inf
    assert np.isfinite(k3(np.float32(88.7))) and k3(np.float32(88.8)) == np.inf
    assert k2(1e200) == np.inf and np.isfinite(k2(1e154))
    assert k2(np.float32(3e19)) == np.inf and np.isfinite(k2(np.float32(1e19)))


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_never_negative_and_k3_bounds(t):
    v3, v2 = k3(t), k2(t)
    assert v3 >= 0 and v2 >= 0
    # e^t - 1 - t >= t^2/2 for t >= 0 and <= t^2/2 for t <= 0 (Taylor with
    # remainder e^c t^3/6); compare with a one-ulp allowance each way, away
    # from subnormal results and overflow.
    if 1e-150 < abs(t) < 1e150:
        if t >= 0:
            assert v3 >= v2 * (1 - 2**-50)
        else:
            assert v3 <= v2 * (1 + 2**-50)


@given(st.floats(min_value=-80, max_value=80, allow_nan=False, width=32))
def test_float32_in_float32_out(t):
    t32 = np.float32(t)
    for f in (k1, k2, k3):
        out = f(np.array([t32, t32]))
        assert out.dtype == np.float32 and out.shape == (2,)
    assert k3(t32) >= 0


@given(st.floats(min_value=-700, max_value=700, allow_nan=False))
def test_k3_is_k1_plus_control_variate(t):
    # k3 = k1 + (rho - 1), rho = e^t: the identity the chapter uses.
    assert k3(t) == pytest.approx(k1(t) + np.expm1(t), rel=1e-12, abs=1e-15 * (1 + abs(t)))


def test_broadcast_shapes_and_scalars():
    t = np.linspace(-2, 2, 12).reshape(3, 4)
    for f in (k1, k2, k3):
        assert f(t).shape == (3, 4)
        assert f(t[:, :1] + np.zeros((1, 4))).shape == (3, 4)
        assert np.ndim(f(0.5)) == 0
        assert f(np.array([], dtype=np.float32)).dtype == np.float32
    assert k1(3).dtype == np.float64  # integers are promoted
    np.testing.assert_array_equal(k3(t)[1], k3(t[1]))


@pytest.mark.parametrize(
    "bad",
    [np.nan, np.inf, -np.inf, [0.0, np.nan], np.array([1.0, np.inf], dtype=np.float32)],
    ids=case_id,
)
@pytest.mark.parametrize("f", [k1, k2, k3], ids=case_id)
def test_non_finite_input_names_log_ratio(f, bad):
    with pytest.raises(ValueError, match="log_ratio"):
        f(bad)


@pytest.mark.parametrize("f", [k1, k2, k3], ids=case_id)
def test_non_real_input_names_log_ratio(f):
    for bad in (np.array([1 + 1j]), np.array(["a"])):
        with pytest.raises(ValueError, match="log_ratio"):
            f(bad)


def test_unbiased_means_by_quadrature():
    # E_q[k1] = E_q[k3] = KL(q || p) and E_q[k2] = KL + delta^4/8 for
    # q = N(0, 1), p = N(1, 1) (t = x - 1/2), by Gauss-Hermite quadrature,
    # exact for k1, k2 (polynomials) and to 1e-13 for k3 (entire function).
    z, w = np.polynomial.hermite_e.hermegauss(60)
    w = w / w.sum()
    t = z - 0.5
    kl = 0.5
    assert abs(w @ k1(t) - kl) < 1e-13
    assert abs(w @ k3(t) - kl) < 1e-13
    assert abs(w @ k2(t) - (kl + 1 / 8)) < 1e-13


def test_docstring_examples_run():
    result = doctest.testmod(kltools.estimators, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_numpydoc_sections():
    for f in (k1, k2, k3):
        for section in ("Parameters", "Returns", "Raises", "Notes", "Examples"):
            assert f"{section}\n{'-' * len(section)}" in f.__doc__.replace("    ", "")
        assert "Schulman (2020)" in f.__doc__
