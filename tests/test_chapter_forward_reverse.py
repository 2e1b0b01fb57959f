"""Checks behind the chapter "Reverse and forward KL", from kltools and scipy.

The library rows: ``scipy.stats.entropy`` is executed against the sum, the quoted sentences
are looked up in the docstring of the scipy this book pins, and numpy twins of the quoted
PyTorch and torchmetrics code run on the same numbers.
"""

import math

import numpy as np
import pytest
import scipy.stats
import sympy as sp
from scipy.stats import entropy

from kltools import kl_normal
from kltools.chapters import forward_reverse as chapter

EPS = float(np.finfo(float).eps)
PK, QK = np.array([0.7, 0.2, 0.1]), np.array([0.3, 0.3, 0.4])


def tol(terms):
    """Two evaluations of the same sum: each rounds at most 6 times per term (divide, log
    with its condition number near 1 here, multiply, add), so they differ by at most
    12 u sum|terms| <= 8 eps sum|terms|."""
    return 8 * EPS * float(np.sum(np.abs(terms)))


def torch_kl_div(input, target, reduction):  # F.kl_div, log_target=False
    pointwise = target * (np.log(target) - input)
    n = {"sum": 1, "batchmean": input.shape[0], "mean": input.size}
    return pointwise.sum() / n[reduction]


def torchmetrics_kld(p, q):  # functional kl_divergence, log_prob=False
    p, q = p / p.sum(-1, keepdims=True), q / q.sum(-1, keepdims=True)
    return np.mean(np.sum(p * np.log(p / q), axis=-1))


def torch_kl_normal_normal(p_loc, p_scale, q_loc, q_scale):
    var_ratio = (p_scale / q_scale) ** 2
    t1 = ((p_loc - q_loc) / q_scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - np.log(var_ratio))


def test_scipy_entropy_is_kl_of_its_first_argument():
    terms = PK * np.log(PK / QK)
    kl_pq_sum, kl_qp_sum = np.sum(terms), np.sum(QK * np.log(QK / PK))
    assert abs(entropy(PK, QK) - kl_pq_sum) <= tol(terms)
    assert abs(entropy(PK, QK) - kl_qp_sum) > 100 * tol(terms)  # not the reverse
    assert abs(entropy(2 * PK, 5 * QK) - kl_pq_sum) <= tol(terms)
    assert abs(entropy(PK, QK, base=2) - kl_pq_sum / math.log(2)) <= tol(terms)


@pytest.mark.parametrize("quote", [
    "compute the relative entropy ``D = sum(pk * log(pk / qk))``",
    "This routine will normalize `pk` and `qk` if they don't sum",
    "defaults to ``e`` (natural logarithm)",
], ids=["relative-entropy", "normalises", "natural-log"])
def test_the_quoted_sentences_are_in_the_pinned_scipy(quote):
    assert quote in " ".join(scipy.stats.entropy.__doc__.split())


@pytest.mark.parametrize("reduction, scale", [("sum", None), ("batchmean", 1), ("mean", 3)],
                         ids=["sum", "batchmean", "mean"])
def test_the_kl_div_twin_is_the_forward_kl_row_by_row(reduction, scale):
    batch_p, batch_q = np.stack([PK, QK]), np.stack([QK, PK])
    row_kls = np.array([entropy(PK, QK), entropy(QK, PK)])
    got = torch_kl_div(np.log(batch_q), batch_p, reduction)
    if scale is None:
        assert abs(got - row_kls.sum()) <= tol(row_kls)
    else:  # "mean" divides by the vocabulary size too
        assert abs(got * scale - row_kls.mean()) <= tol(row_kls) * scale


def test_the_torchmetrics_twin_normalises_and_averages_rows():
    batch_p, batch_q = np.stack([PK, QK]), np.stack([QK, PK])
    row_kls = np.array([entropy(PK, QK), entropy(QK, PK)])
    assert abs(torchmetrics_kld(2 * batch_p, 3 * batch_q) - row_kls.mean()) <= tol(row_kls)


def test_torch_normal_kl_is_kl_of_its_first_argument():
    twin = torch_kl_normal_normal(1.0, 2.0, 0.0, 1.0)
    assert abs(twin - (2 - math.log(2))) <= 8 * EPS * (4 + 1 + 1 + math.log(4))
    assert abs(twin - float(kl_normal(1.0, 2.0, 0.0, 1.0))) <= 8 * EPS * 2
    assert abs(twin - float(kl_normal(0.0, 1.0, 1.0, 2.0))) > 0.5


def _directions():
    d, r = chapter.delta, chapter.r
    qp = chapter.derive(chapter.KL_QP, d**2 / 2 + (r**2 - 1) / 2 - sp.log(r), chapter.DR)
    pq = chapter.derive(chapter.KL_PQ, (d**2 + 1) / (2 * r**2) - chapter.one_half + sp.log(r),
                        chapter.DR)
    return qp, pq


def test_the_growth_rates_and_the_worked_example():
    qp, pq = _directions()
    chapter.glue_both_directions(qp, pq)
    chapter.check_growth_rates(qp, pq)
    diff = chapter.derive(chapter.KL_DIFF, qp.final - pq.final, "")
    chapter.check_worked_example(qp, pq, diff)
    with pytest.raises(AssertionError):  # the directions exchanged
        chapter.check_worked_example(pq, qp, diff)


def test_a_direction_with_a_wrong_blow_up_is_refused():
    qp, _ = _directions()
    d, r = chapter.delta, chapter.r
    wrong = chapter.derive(chapter.KL_PQ, (d**2 / r**2 + 1) / 2 - chapter.one_half, chapter.DR)
    with pytest.raises(AssertionError):
        chapter.check_growth_rates(qp, wrong)
