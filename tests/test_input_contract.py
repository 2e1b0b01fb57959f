"""The input contract: each bad call raises a ValueError that names its argument and says what
to do, instead of a TypeError, a MemoryError or numpy's own message."""

from decimal import Decimal
from fractions import Fraction

import ml_dtypes
import numpy as np
import pytest
import sympy as sp

import kltools
from kltools.accuracy import reference_values

Z2, I2 = np.zeros(2), np.eye(2)

CALLS = [
    pytest.param(
        lambda: kltools.kl_mvn(Z2, np.eye(2, dtype=bool), Z2, I2),
        r"^cov1 is boolean",
        id="kl_mvn-boolean-cov1",
    ),
    pytest.param(
        lambda: kltools.kl_diag_normal(Z2, np.ones(2), Z2, np.ones(2), axis=1.0),
        r"^axis must be an integer",
        id="kl_diag_normal-axis-float",
    ),
    pytest.param(
        lambda: kltools.kl_diag_normal(Z2, np.ones(2), Z2, np.ones(2), axis="a"),
        r"^axis must be an integer",
        id="kl_diag_normal-axis-str",
    ),
    pytest.param(
        lambda: kltools.kl_diag_std_normal(Z2, Z2, axis=None),
        r"^axis must be an integer",
        id="kl_diag_std_normal-axis-None",
    ),
    pytest.param(
        lambda: kltools.kl_monte_carlo(0.0, 1.0, 0.0, 1.0, n=10**12),
        r"^n = 1000000000000 would need 7.45e\+03 GiB per array; at most 1e\+07",
        id="kl_monte_carlo-n-too-large",
    ),
    pytest.param(
        lambda: kltools.kl_monte_carlo(0.0, 1.0, 0.0, 1.0, seed="a"),
        r"^seed must be a non-negative integer",
        id="kl_monte_carlo-seed-str",
    ),
    pytest.param(
        lambda: kltools.kl_monte_carlo(0.0, 1.0, 0.0, 1.0, seed=-1),
        r"^seed must be a non-negative integer, got -1",
        id="kl_monte_carlo-seed-negative",
    ),
    pytest.param(
        lambda: kltools.expect_monte_carlo(abs, 0.0, 1.0, seed=1.5),
        r"^seed must be",
        id="expect_monte_carlo-seed-float",
    ),
    pytest.param(
        lambda: kltools.expect_quad(lambda x: 1j * x, 0.0, 1.0),
        r"^func must return real numbers, got complex",
        id="expect_quad-complex",
    ),
    pytest.param(
        lambda: kltools.expect_quad(lambda x: [x, x], 0.0, 1.0),
        r"^func must return a scalar",
        id="expect_quad-vector",
    ),
    pytest.param(
        lambda: kltools.expect_quad("x**2", 0.0, 1.0),
        r"^func must be a callable",
        id="expect_quad-string",
    ),
    pytest.param(
        lambda: kltools.expect_monte_carlo(lambda x: np.zeros(3), 0.0, 1.0),
        r"^func must return one value per sample, shape \(100000,\); got shape \(3,\)",
        id="expect_monte_carlo-wrong-shape",
    ),
    pytest.param(
        lambda: kltools.expect_monte_carlo(lambda x: 1j * x, 0.0, 1.0),
        r"^func must return real numbers",
        id="expect_monte_carlo-complex",
    ),
    pytest.param(
        lambda: reference_values(sp.exp(sp.Symbol("exp")), [sp.Symbol("exp")], [[1.0]]),
        r"^symbols: 'exp' is the name of a function",
        id="reference_values-symbol-exp",
    ),
    pytest.param(
        lambda: reference_values(sp.log(sp.Symbol("s")), [sp.Symbol("t")], [[1.0]]),
        r"^expr has symbols not listed in symbols",
        id="reference_values-unlisted",
    ),
]


@pytest.mark.parametrize("call, message", CALLS)
def test_bad_calls_raise_a_value_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


BF16 = np.array([0.5, 1.0], dtype=ml_dtypes.bfloat16)
TYPES = [
    pytest.param(
        BF16, r"^mu1 is bfloat16.*upcast it first: mu1.astype\(np.float32\)", id="bfloat16"
    ),
    pytest.param(
        np.array([0.5], dtype=ml_dtypes.float8_e4m3fn),
        r"^mu1 is float8_e4m3fn.*upcast it first",
        id="float8",
    ),
    pytest.param(Fraction(1, 3), r"^mu1 holds Fraction values.*dtype=float", id="Fraction"),
    pytest.param([Decimal("0.1")], r"^mu1 holds Decimal values", id="Decimal"),
    pytest.param(2**64, r"^mu1 holds an integer too large.*float\(mu1\)", id="int-2**64"),
    pytest.param(
        np.array([1 + 2j]), r"^mu1 must be real numbers, got dtype complex128", id="complex"
    ),
]


@pytest.mark.parametrize("value, message", TYPES)
def test_unsupported_number_types_say_what_to_do(value, message):
    for func, args in (
        (kltools.kl_normal, (value, 1.0, 0.0, 1.0)),
        (kltools.kl_mvn, (value, 1.0, 0.0, 1.0)),
    ):
        if func is kltools.kl_mvn:
            args = (
                np.broadcast_to(np.asarray(value), (2,))
                if isinstance(value, np.ndarray)
                else [value, value],
                I2,
                Z2,
                I2,
            )
        with pytest.raises(ValueError, match=message):
            func(*args)


def test_upcast_bfloat16_as_the_message_says():
    """The advice works: the upcast array gives the float32 result."""
    got = kltools.kl_normal(
        BF16.astype(np.float32), np.float32(1.0), np.float32(0.0), np.float32(1.0)
    )
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.asarray(BF16, dtype=np.float64) ** 2 / 2, rtol=1e-6)


def test_the_largest_sample_size_still_runs():
    from kltools._validate import MAX_SAMPLES, check_sample_size

    assert check_sample_size(MAX_SAMPLES) == MAX_SAMPLES
    with pytest.raises(ValueError, match="^n = "):
        check_sample_size(MAX_SAMPLES + 1)
