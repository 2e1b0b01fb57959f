"""Closed forms against mpmath, hypothesis properties, and bad input."""

import math

import mpmath as mp
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kltools import (
    cross_entropy_normal,
    entropy_normal,
    expm1_minus_x,
    kl_normal,
    kl_quad,
    kl_std_normal,
)
from kltools.accuracy import kl_normal_grid, ulp_error, ulp_errors

from ._ids import case_id
from .reference import (
    cross_entropy_normal_ref,
    entropy_normal_ref,
    kl_normal_ref,
    kl_std_normal_ref,
)

MAX_ULP = 4  # the accuracy contract of kltools' closed forms (float64)
EPS = float(np.finfo(np.float64).eps)

# --- chosen points, against 50-digit mpmath --------------------------------

KL_POINTS = [
    (0.0, 1.0, 0.0, 1.0),  # q = p
    (1.0, 2.0, 0.0, 1.0),
    (0.0, 1.0, 1.0, 2.0),
    (-3.0, 0.5, 2.0, 0.25),
    (0.0, 1.0 + 1e-9, 0.0, 1.0),  # q ~ p: the textbook form loses ~9 digits here
    (1e-8, 1.0, 0.0, 1.0),
    (0.0, 1.0 - 1e-14, 0.0, 1.0),
    (5.0, 3.0, 5.0, 3.0 * (1 + 2**-40)),
    (0.0, 2.1, 0.0, 1.0),  # just outside the series range, r ~ 2
    (0.0, 0.26, 0.0, 1.0),
    (0.0, 1e-150, 0.0, 1e150),  # r underflows; KL ~ 690
    (1e300, 1e300, -1e300, 1e300),  # m1 - m2 overflows, delta = 2
    (0.0, 1e150, 0.0, 1.0),  # r^2 near overflow, KL finite
    (3.0, 1e-3, -7.0, 1e3),
]


@pytest.mark.parametrize("point", KL_POINTS, ids=case_id)
def test_kl_normal_matches_mpmath(point):
    assert ulp_error(kl_normal(*point), kl_normal_ref(*point)) <= MAX_ULP


def test_kl_normal_overflows_only_with_the_kl():
    assert kl_normal(0.0, 1e200, 0.0, 1e-200) == np.inf  # true KL ~ 1e800
    assert np.isfinite(kl_normal(0.0, 1.5e154, 0.0, 1.0))  # r^2 overflows, r^2/2 does not


@pytest.mark.parametrize(
    "point",
    [
        (0.0, 0.0),
        (1.0, 0.0),
        (0.0, 1e-10),
        (0.0, -1e-10),
        (3.0, -5.0),
        (0.0, 0.999),
        (0.0, 20.0),
        (0.0, 700.5),
        (0.0, 710.3),
        (0.0, -700.0),
    ],
    ids=case_id,
)
def test_kl_std_normal_matches_mpmath(point):
    assert ulp_error(kl_std_normal(*point), kl_std_normal_ref(*point)) <= MAX_ULP


def test_kl_std_normal_beyond_exp_overflow():
    # exp(710.3) overflows float64 but KL = (e^v - 1 - v)/2 ~ 1.1e308 does not.
    assert np.isfinite(kl_std_normal(0.0, 710.3))
    assert kl_std_normal(0.0, 711.0) == np.inf


@pytest.mark.parametrize("sigma", [1.0, 0.2419707245, 1e-300, 1e300, 3.7], ids=case_id)
def test_entropy_normal_matches_mpmath(sigma):
    ref = entropy_normal_ref(sigma)
    # Near H = 0 (sigma ~ 0.242) the entropy is ill-conditioned: its relative
    # condition number is 1/|H|, so compare absolutely there.
    assert abs(float(entropy_normal(sigma)) - float(ref)) <= MAX_ULP * EPS * max(
        1.0, abs(float(ref))
    )


@pytest.mark.parametrize(
    "point", [(0.0, 1.0, 0.0, 1.0), (1.0, 2.0, -1.0, 0.5), (0.0, 1e-3, 10.0, 1e3)], ids=case_id
)
def test_cross_entropy_normal_matches_mpmath(point):
    ref = cross_entropy_normal_ref(*point)
    assert abs(float(cross_entropy_normal(*point)) - float(ref)) <= MAX_ULP * EPS * max(
        1.0, abs(float(ref))
    )


def test_near_and_wide_elements_mixed_in_one_call():
    """Elements that take different forms, interleaved inside one chunk, each within 4 ulp."""
    n = 400
    near, wide = kl_normal_grid("near", n, seed=11), kl_normal_grid("wide", n, seed=12)
    take_wide = np.random.default_rng(13).random(n) < 0.3
    grid = tuple(np.where(take_wide, w, a) for a, w in zip(near, wide))
    got = kl_normal(*grid)
    assert max(ulp_errors(got, [kl_normal_ref(*pt) for pt in zip(*grid)])) <= MAX_ULP


# --- properties -------------------------------------------------------------

means = st.floats(-1e3, 1e3, allow_nan=False)
sigmas = st.floats(1e-3, 1e3, allow_nan=False)


@given(means, sigmas, means, sigmas)
def test_kl_is_non_negative(m1, s1, m2, s2):
    assert kl_normal(m1, s1, m2, s2) >= 0


@given(means, sigmas)
def test_kl_of_a_distribution_with_itself_is_zero(m, s):
    assert kl_normal(m, s, m, s) == 0


@given(means, sigmas, means, sigmas, st.integers(-20, 20), st.floats(-1e3, 1e3, allow_nan=False))
def test_kl_is_invariant_under_a_common_affine_map(m1, s1, m2, s2, k, b):
    """KL(N(a m1 + b, a^2 s1^2) || N(a m2 + b, a^2 s2^2)) = KL(q || p) for a != 0."""
    a = 2.0**k  # a power of two scales exactly; the shift b rounds the means
    m1t, m2t = a * m1 + b, a * m2 + b
    before = float(kl_normal(m1, s1, m2, s2))
    after = float(kl_normal(m1t, a * s1, m2t, a * s2))
    # Error budget: the shift rounds each mean by at most half an ulp, which
    # moves delta = (m1 - m2)/s2 by at most that over a*s2; KL moves by delta
    # times that.  Plus MAX_ULP of each evaluation.
    delta = abs(m1 - m2) / s2
    shift_err = 0.5 * (math.ulp(m1t) + math.ulp(m2t)) / (a * s2)
    tol = (delta + shift_err) * shift_err + 2 * MAX_ULP * EPS * max(before, after)
    assert abs(after - before) <= tol


@given(st.floats(-5, 5), st.floats(0.05, 20), st.floats(-5, 5), st.floats(0.05, 20))
def test_kl_agrees_with_quadrature_within_its_error_bound(m1, s1, m2, s2):
    est = kl_quad(m1, s1, m2, s2)
    closed = float(kl_normal(m1, s1, m2, s2))
    assert abs(closed - est.value) <= est.error + MAX_ULP * EPS * closed


@given(means, st.floats(-30, 30))
def test_log_variance_form_equals_sigma_form(m, v):
    """kl_std_normal(mu, v) is kl_normal(mu, e^{v/2}, 0, 1); e^{v/2} rounds, so compare to its
    own error."""
    sigma = math.exp(v / 2)
    a, b = float(kl_std_normal(m, v)), float(kl_normal(m, sigma, 0.0, 1.0))
    # Rounding sigma (exp's error included) moves w = log sigma^2 by d <= EPS.
    # With K(w) = (e^w - 1 - w)/2: |dK| <= |K'(v)| d + max K'' d^2 / 2
    # = |expm1(v)|/2 d + e^v/2 d^2/2 (to first order in d).
    tol = abs(math.expm1(v)) / 2 * EPS + math.exp(v) / 4 * EPS**2 + 2 * MAX_ULP * EPS * max(a, b)
    assert abs(a - b) <= tol


@given(means, sigmas, means, sigmas)
def test_kl_is_cross_entropy_minus_entropy(m1, s1, m2, s2):
    ce, h = float(cross_entropy_normal(m1, s1, m2, s2)), float(entropy_normal(s1))
    kl = float(kl_normal(m1, s1, m2, s2))
    # the difference cancels: its error is a few ulp of the larger term
    assert abs((ce - h) - kl) <= 4 * MAX_ULP * EPS * max(abs(ce), abs(h), 1.0)


# --- shapes and dtypes -------------------------------------------------------


def test_broadcasting_and_shapes():
    mu1 = np.linspace(-1, 1, 6).reshape(2, 3)
    out = kl_normal(mu1, 1.0, 0.0, np.array([1.0, 2.0, 3.0]))
    assert out.shape == (2, 3)
    expected = [
        [float(kl_normal(mu1[i, j], 1.0, 0.0, [1.0, 2.0, 3.0][j])) for j in range(3)]
        for i in range(2)
    ]
    assert np.array_equal(out, expected)
    assert np.ndim(kl_normal(0.0, 1.0, 0.0, 1.0)) == 0
    assert kl_normal(np.zeros(0), 1.0, 0.0, 1.0).shape == (0,)


def test_large_arrays_span_several_blocks():
    rng = np.random.default_rng(3)
    n = 200_003  # not a multiple of the block size
    m1, m2 = rng.normal(size=n), rng.normal(size=n)
    s1, s2 = np.exp(rng.uniform(-3, 3, n)), np.exp(rng.uniform(-3, 3, n))
    out = kl_normal(m1, s1, m2, s2)
    pick = rng.choice(n, 300, replace=False)
    assert (
        max(ulp_error(out[i], kl_normal_ref(m1[i], s1[i], m2[i], s2[i])) for i in pick) <= MAX_ULP
    )


@pytest.mark.parametrize(
    "func, args",
    [
        (kl_normal, (0.5, 0.7, -0.1, 1.3)),
        (kl_std_normal, (0.5, -0.3)),
        (entropy_normal, (0.7,)),
        (cross_entropy_normal, (0.5, 0.7, -0.1, 1.3)),
    ],
    ids=case_id,
)
def test_float32_stays_float32(func, args):
    out32 = func(*(np.float32(a) for a in args))
    assert out32.dtype == np.float32
    assert func(*(np.float64(a) for a in args)).dtype == np.float64
    if len(args) > 1:  # python scalars are weak, as in numpy
        assert func(*(np.float32(a) for a in args[:-1]), 1.0).dtype == np.float32


def test_float32_accuracy():
    rng = np.random.default_rng(5)
    m = rng.normal(size=300).astype(np.float32)
    v = rng.uniform(-1e-3, 1e-3, 300).astype(np.float32)
    out = kl_std_normal(m * np.float32(1e-3), v)
    errors = [
        ulp_error(out[i], kl_std_normal_ref(m[i] * np.float32(1e-3), v[i]), np.float32)
        for i in range(300)
    ]
    assert max(errors) <= 1  # computed in float64 and rounded once


# --- bad input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "position, name", [(0, "mu1"), (1, "sigma1"), (2, "mu2"), (3, "sigma2")], ids=case_id
)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=case_id)
def test_non_finite_input_names_the_argument(position, name, bad):
    args = [0.0, 1.0, 0.0, 1.0]
    args[position] = np.array([1.0, bad])
    for func in (kl_normal, cross_entropy_normal):
        with pytest.raises(ValueError, match=name):
            func(*args)


@pytest.mark.parametrize("position, name", [(1, "sigma1"), (3, "sigma2")], ids=case_id)
@pytest.mark.parametrize("bad", [0.0, -1.0], ids=case_id)
def test_non_positive_sigma_names_the_argument(position, name, bad):
    args = [0.0, 1.0, 0.0, 1.0]
    args[position] = bad
    with pytest.raises(ValueError, match=name):
        kl_normal(*args)
    with pytest.raises(ValueError, match="sigma"):
        entropy_normal(bad)


def test_kl_std_normal_bad_input():
    with pytest.raises(ValueError, match="log_var"):
        kl_std_normal(0.0, np.nan)
    with pytest.raises(ValueError, match="mu"):
        kl_std_normal(np.inf, 0.0)


def test_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"mu1 \(2,\).*sigma2 \(3,\)"):
        kl_normal(np.zeros(2), 1.0, 0.0, np.ones(3))


def test_non_numeric_input():
    with pytest.raises(ValueError, match="sigma1"):
        kl_normal(0.0, "one", 0.0, 1.0)


# --- g(v) = expm1(v) - v -------------------------------------------------------


def _g_ref(v):
    """expm1(v) - v to 50 digits: the subtraction cancels about log10(2/|v|) of them."""
    v = float(v)
    extra = math.ceil(-math.log10(abs(v))) + 1 if 0 < abs(v) < 1 else 0
    with mp.workdps(50 + extra):
        return +(mp.expm1(mp.mpf(v)) - v)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_expm1_minus_x_within_4_ulp_for_every_finite_float64(v):
    g = expm1_minus_x(v)
    assert g.dtype == np.float64 and g >= 0
    assert ulp_error(g, _g_ref(v)) <= MAX_ULP  # inf exactly where g exceeds the largest float


@given(st.floats(allow_nan=False, allow_infinity=False, width=32))
def test_expm1_minus_x_float32_rounded_once(v):
    g = expm1_minus_x(np.float32(v))
    assert g.dtype == np.float32 and g >= 0
    assert ulp_error(g, _g_ref(v), np.float32) <= 1  # computed in float64, rounded once


def test_expm1_minus_x_on_a_grid_and_at_its_edges():
    """Both sides of the series' range |v| <= 1, tiny v, and beyond exp's overflow."""
    v = np.concatenate(
        [
            np.linspace(-3, 3, 601),
            10.0 ** np.arange(-320, 1),
            -(10.0 ** np.arange(-320, 1)),
            [1 - 2**-53, 1 + 2**-52, 700.0, 709.7, 709.78, 709.8, -745.0, -1e308],
        ]
    )
    g = expm1_minus_x(v)
    assert g.shape == v.shape and not np.any(g < 0)
    assert ulp_errors(g, [_g_ref(x) for x in v]).max() <= MAX_ULP
    assert expm1_minus_x(709.8) == np.inf and np.isfinite(expm1_minus_x(709.78))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf], ids=case_id)
def test_expm1_minus_x_names_v(bad):
    with pytest.raises(ValueError, match="v must be finite"):
        expm1_minus_x(np.array([0.0, bad]))
    with pytest.raises(ValueError, match="v "):
        expm1_minus_x(np.ma.masked_array([0.0, 1.0], mask=[False, True]))


# --- entropy and cross-entropy near their zeros ----------------------------------

SIGMA0 = 0.24197072451914337  # the double nearest (2 pi e)^(-1/2), where H(N(mu, sigma^2)) = 0


def test_the_split_constant_is_sqrt_2_pi_e():
    from kltools.closed_forms import _ROOT_2PIE, _ROOT_2PIE_LO

    with mp.workdps(50):
        exact = mp.sqrt(2 * mp.pi * mp.e)
        assert _ROOT_2PIE == float(exact) and _ROOT_2PIE_LO == float(exact - mp.mpf(_ROOT_2PIE))


def test_entropy_keeps_its_relative_accuracy_at_its_zero():
    """issue 16: entropy_normal(SIGMA0) was 0.0; the true value is 6.4e-17."""
    sigmas = np.array(
        [
            SIGMA0,
            *np.nextafter(SIGMA0, [0.0, 1.0]),
            *(SIGMA0 * (1 + np.array([1e-15, -1e-15, 3e-9, -3e-9, 0.4, -0.4]))),
        ]
    )
    got = entropy_normal(sigmas)
    assert ulp_errors(got, [entropy_normal_ref(s) for s in sigmas]).max() <= MAX_ULP
    assert got[0] > 6e-17


@pytest.mark.parametrize("rel", [0.0, 1e-15, -1e-15, 1e-9, -1e-9, 1e-3, -1e-3], ids=case_id)
def test_cross_entropy_keeps_its_relative_accuracy_at_its_zero_q_equal_p(rel):
    """At q = p = N(mu, SIGMA0^2) the cross-entropy is the entropy, about 0.

    issue 16: this was 456 ulp off; every part (H(p), (r^2 - 1)/2, delta^2/2)
    is now small there and computed to a few ulp of itself.
    """
    s = SIGMA0 * (1 + rel)
    point = (0.3, s, 0.3 + 1e-12 * s, s)
    ref = cross_entropy_normal_ref(*point)
    assert ulp_error(cross_entropy_normal(*point), ref) <= MAX_ULP


# --- dtypes and masked arrays ------------------------------------------------------

FUNCTIONS = [
    (kl_normal, (0.5, 0.7, -0.1, 1.3)),
    (kl_std_normal, (0.5, -0.3)),
    (entropy_normal, (0.7,)),
    (cross_entropy_normal, (0.5, 0.7, -0.1, 1.3)),
    (expm1_minus_x, (0.3,)),
]


@pytest.mark.parametrize("func, args", FUNCTIONS, ids=case_id)
def test_a_numpy_float64_scalar_counts_as_float64(func, args):
    """issue 16: np.float64(x) with float32 arrays gave float32, as if it were a Python float."""
    arrays = [np.full(3, a, dtype=np.float32) for a in args]
    assert func(*arrays).dtype == np.float32
    assert func(*arrays[:-1], np.float64(args[-1])).dtype == np.float64
    if len(args) > 1:  # Python floats stay weak
        assert func(*arrays[:-1], float(args[-1])).dtype == np.float32
    assert func(*arrays[:-1], np.array(args[-1])).dtype == np.float64  # a 0-d float64 array too


@pytest.mark.parametrize("func, args", FUNCTIONS, ids=case_id)
def test_masked_arrays_are_rejected_naming_the_argument(func, args):
    """A masked array's mask was silently dropped; now it is refused, naming the argument."""
    names = {
        kl_normal: ("mu1", "sigma1", "mu2", "sigma2"),
        kl_std_normal: ("mu", "log_var"),
        entropy_normal: ("sigma",),
        cross_entropy_normal: ("mu1", "sigma1", "mu2", "sigma2"),
        expm1_minus_x: ("v",),
    }[func]
    for i, name in enumerate(names):
        masked = list(args)
        masked[i] = np.ma.masked_array([args[i], args[i]], mask=[False, True])
        with pytest.raises(ValueError, match=rf"^{name} is a masked array"):
            func(*masked)


def test_broadcasting_across_chunks():
    """(n, 3) against (3,) with n * 3 spanning several chunks: equal to the elementwise calls."""
    rng = np.random.default_rng(8)
    mu1 = rng.normal(size=(9001, 3))
    sigma1 = np.exp(rng.normal(size=(9001, 3)))
    mu2, sigma2 = np.array([0.0, 1.0, -2.0]), np.array([1.0, 0.5, 3.0])
    out = kl_normal(mu1, sigma1, mu2, sigma2)
    assert out.shape == (9001, 3)
    for i in rng.choice(9001, 50, replace=False):
        for j in range(3):
            assert out[i, j] == kl_normal(mu1[i, j], sigma1[i, j], mu2[j], sigma2[j])
    with pytest.raises(ValueError, match="sigma1 must be > 0"):
        bad = sigma1.copy()
        bad[-1, -1] = 0.0  # in the last chunk
        kl_normal(mu1, bad, mu2, sigma2)


ARGUMENTS = [
    (kl_normal, ("mu1", "sigma1", "mu2", "sigma2"), (0.5, 0.7, -0.1, 1.3)),
    (cross_entropy_normal, ("mu1", "sigma1", "mu2", "sigma2"), (0.5, 0.7, -0.1, 1.3)),
    (kl_std_normal, ("mu", "log_var"), (0.5, -0.3)),
    (entropy_normal, ("sigma",), (0.7,)),
    (expm1_minus_x, ("v",), (0.3,)),
]


@pytest.mark.parametrize("func, names, args", ARGUMENTS, ids=case_id)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 0.0, -1.0], ids=case_id)
def test_one_bad_element_in_a_large_array_is_named(func, names, args, bad):
    """Validation is per chunk and partly lazy (a non-finite result triggers the full
    check): one bad element in any chunk of any argument is still found and named."""
    rng = np.random.default_rng(4)
    n = 50_000  # several chunks
    for i, name in enumerate(names):
        if bad <= 0 and not name.startswith("sigma"):
            continue  # only standard deviations must be positive
        arrays = [np.full(n, a) for a in args]
        arrays[i][rng.integers(n)] = bad
        message = "must be finite" if not np.isfinite(bad) else "must be > 0"
        with pytest.raises(ValueError, match=f"^{name} {message}"):
            func(*arrays)
