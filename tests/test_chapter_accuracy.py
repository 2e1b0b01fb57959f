"""The accuracy chapter's claims, recomputed from kltools (book/accuracy.ipynb).

The page shows the measurement of :mod:`kltools.chapters.accuracy`; the claims its text
makes about the series, the overflow thresholds and the half-precision formats are
checked here.
"""

import math

import mpmath as mp
import numpy as np
import pytest
import sympy as sp

from kltools import kl_std_normal
from kltools.baselines import vae_form
from kltools.chapters import accuracy as chapter
from kltools.closed_forms import _FLOAT32_TOL, _FLOAT64_TOL, _G_COEFFS

ml_dtypes = pytest.importorskip("ml_dtypes")

r = sp.Symbol("r", positive=True)
x = sp.Symbol("x", real=True)
v = sp.Symbol("v", real=True)
s, t = sp.symbols("s t", real=True)


@pytest.fixture(scope="module")
def results():
    return chapter.measure(n=500, seed=7)


def test_claims_on_every_cpu_hold(results):
    text = chapter.check_claims_on_every_cpu(results, n=500)
    assert text.count("yes") == 9 and not text.endswith("no") and ": no\n" not in text


def test_claims_fail_on_a_wrong_measurement(results):
    wrong = dict(results)
    wrong["float64", "kl_normal", "wide"] = dict(results["float64", "kl_normal", "wide"],
                                                 max=4.5)
    with pytest.raises(AssertionError, match="on every grid: no"):
        chapter.check_claims_on_every_cpu(wrong, n=500)


def test_b_series_matches_the_definition():
    b = (r**2 - 1) / 2 - sp.log(r)
    b_near_1 = sp.series(b.subs(r, 1 + x), x, 0, 5).removeO()
    for x0 in (sp.Rational(1, 10), -sp.Rational(1, 20)):
        diff = b.subs(r, 1 + x0) - b_near_1.subs(x, x0)
        assert abs(diff.evalf(30)) < abs(x0) ** 5  # the next term is O(x^5)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_overflow_thresholds(dtype):
    bits = np.finfo(dtype).bits
    glued = chapter.overflow_thresholds()
    exp_max, kl_max = glued[f"acc_exp_max{bits}"], glued[f"acc_kl_max{bits}"]
    with np.errstate(over="ignore"):
        assert np.isfinite(np.exp(dtype(exp_max - 0.01)))
        assert np.isinf(np.exp(dtype(exp_max + 0.01)))
        assert np.isfinite(kl_std_normal(dtype(0), dtype(kl_max - 0.01)))
        assert np.isinf(kl_std_normal(dtype(0), dtype(kl_max + 0.01)))


def test_g_series_and_the_terms_kltools_sums():
    g = sp.exp(v) - 1 - v
    g_series = sp.series(g, v, 0, 6).removeO()
    assert sp.expand(g_series - sum(v**k / sp.factorial(k) for k in range(2, 6))) == 0
    # G(v) = g(v)/v^2 increases, so on -1 <= v <= 2 it is at least G(-1) = 1/e; each
    # left-out term is at most its value at |v| = v_max.
    big_g = g / v**2
    assert sp.simplify(big_g.subs(v, -1) - sp.exp(-1)) == 0
    assert sp.simplify(sp.diff(big_g, v).subs(v, -1)) > 0
    for w in (1, 2):
        n64, n32 = chapter.series_terms(w, _FLOAT64_TOL), chapter.series_terms(w, _FLOAT32_TOL)
        assert n32 < n64 < len(_G_COEFFS)
        head = sum(sp.Integer(w) ** j / sp.factorial(j) for j in range(n64 + 2))
        tail = (sp.exp(w) - head) / w**2  # sum_{k >= n} w^k / (k + 2)!, exactly
        assert (tail / sp.exp(-1) * 2**56).evalf(50) < 1


def test_cancellation_beyond_the_series_is_largest_at_2():
    kappa = (sp.exp(v) + 1 + v) / (sp.exp(v) - 1 - v)
    assert sp.simplify(kappa.subs(v, 2) - (sp.E**2 + 3) / (sp.E**2 - 3)) == 0
    kappa_at = sp.lambdify(v, kappa, "mpmath")
    with mp.workdps(30):
        beyond = [mp.mpf(w) for w in np.geomspace(2, 700, 800)]
        assert max(kappa_at(w) for w in beyond) == kappa_at(mp.mpf(2))
        assert kappa_at(mp.mpf(2)) < 4  # less than two bits


def test_stable_b_term_and_p_series():
    p_closed = chapter.P_CLOSED
    assert sp.simplify(sp.series(p_closed, t, 0, 6).removeO()
                       - sum(t**k / (2 * k + 3) for k in range(6))) == 0
    term = sp.lambdify(x, (s * (x**2 / 2 + 2 * s**2 * p_closed.subs(t, s**2)))
                       .subs(s, x / (x + 2)), "mpmath")
    with mp.workdps(30):
        assert all(0 < term(mp.mpf(xv)) < mp.mpf(xv) ** 2 / 4
                   for xv in np.linspace(0.01, 1.0, 25))
        assert all(term(mp.mpf(xv)) < 0 for xv in np.linspace(-0.5, -0.01, 25))
        assert term(mp.mpf(2)) > mp.mpf(2) ** 2 / 4


def _in_half_precision(dtype):
    """The chapter's visible computation: every finite value v, the VAE form in the format,
    and kl_std_normal in float32 rounded to it."""
    bits = np.arange(2**16, dtype=np.uint16).view(dtype)
    values = bits[np.isfinite(bits.astype(np.float32))]
    zero = np.zeros_like(values)
    careful = kl_std_normal(zero.astype(np.float32), values.astype(np.float32))
    with np.errstate(over="ignore"):
        return values, vae_form(zero, values).astype(dtype), careful.astype(dtype)


def _first_inf(v64, values):
    """The smallest positive v where values is inf, checking that all below are finite."""
    first = v64[np.isinf(values) & (v64 > 0)].min()
    assert np.all(np.isinf(values[v64 >= first]))
    assert np.all(np.isfinite(values[v64 < first]))
    return first


@pytest.fixture(scope="module")
def half():
    return {name: (dtype, chapter.half_precision_column(*_in_half_precision(dtype),
                                                        ml_dtypes.finfo(dtype)))
            for name, dtype in (("float16", np.float16), ("bfloat16", ml_dtypes.bfloat16))}


@pytest.mark.parametrize("name", ["float16", "bfloat16"], ids=["float16", "bfloat16"])
def test_half_precision_overflow_rows(half, name):
    dtype, col = half[name]
    v, literal, careful = _in_half_precision(dtype)
    v64 = v.astype(np.float64)
    with np.errstate(over="ignore"):
        exp_v = np.exp(v).astype(np.float64)
        sample_sd = np.exp(dtype(0.5) * v).astype(np.float64)
    exp_first = _first_inf(v64, exp_v)
    assert exp_first > col["exp_max"] > v64[v64 < exp_first].max()
    assert _first_inf(v64, literal.astype(np.float64)) == exp_first
    sd_first = _first_inf(v64, sample_sd)
    assert sd_first > 2 * col["exp_max"] > v64[v64 < sd_first].max()
    kl_first = _first_inf(v64, careful.astype(np.float64))
    assert kl_first > col["kl_max"] > v64[v64 < kl_first].max()


@pytest.mark.parametrize("name", ["float16", "bfloat16"], ids=["float16", "bfloat16"])
def test_half_precision_band_and_careful_bound(half, name):
    dtype, col = half[name]
    v, literal, _ = _in_half_precision(dtype)
    lo, hi = col["band"]
    band = (v >= lo) & (v <= hi) & (v != 0)
    assert np.all(literal[band].astype(np.float64) >= 0)  # no digit: 0, or twice the KL
    # float32 (faithful), then rounded to the format: 1/2 ulp plus one float32 ulp
    assert col["careful"].max() <= col["careful_bound"] == 0.5 + 2.0 ** (col["u"] - 24)


def test_half_precision_float32_row(half):
    f16, bf16 = half["float16"][1], half["bfloat16"][1]
    # float16: the float32 form errs by about 2^-24, one float16 ulp at the smallest KLs,
    # plus 1/2 for the final rounding
    assert f16["upcast"].max() <= 2
    # bfloat16 has float32's range: its cancellation near v = 0, and exp's overflow at 89
    tiny_v = (np.abs(bf16["v_finite"]) < 1e-3) & (bf16["v_finite"] != 0)
    assert np.any(bf16["upcast_rel"][tiny_v] >= 1)
    assert np.isinf(bf16["upcast"][bf16["v_finite"] == 89.0]).all()
    # float16 beyond the band, down to minus its upper end: no digit for some v, not most
    assert 0 < f16["strip_none"] < 0.5
    assert math.isclose(f16["exp_max"], math.log(65504.0))


def test_kl_std_normal_takes_float16_and_returns_float32():
    half_in = np.float16([0.5])
    assert kl_std_normal(half_in, half_in).dtype == np.float32
