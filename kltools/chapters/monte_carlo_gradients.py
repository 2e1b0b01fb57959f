"""The Monte Carlo chapter's section "Value against gradient": expected gradients, checked.

Each estimator k1, k2, k3 of KL(q || p) is differentiated in four placements (pathwise, as a
loss on fixed samples, with the score term, as a reward); this module computes which
gradient each placement's expectation is, for a Gaussian policy (exactly, from the normal
moments) and for a softmax policy (exact sums over the vocabulary), and checks all of them
by Monte Carlo.  :mod:`kltools.chapters.monte_carlo` re-exports these functions.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from kltools import k1, k2, k3
from kltools.symbolic import add, frac, mu1, mu2, sigma1, sigma2, x

__all__ = [
    "KL_GRADIENTS_TYPED", "GRADIENT_POINT", "gradient_verdicts", "gradient_table",
    "check_softmax_gradients", "check_gradients_by_sampling",
]


def _estimators(log_ratio):
    return {"k1": k1(log_ratio), "k2": k2(log_ratio), "k3": k3(log_ratio)}


_dmu = add(mu1, -mu2)
#: The four KL gradients as a textbook prints them: (parameter, first, second) -> gradient.
KL_GRADIENTS_TYPED = {
    (mu1, "q", "p"): frac(_dmu, sigma2**2),
    (mu1, "p", "q"): frac(_dmu, sigma1**2),
    (sigma1, "q", "p"): frac(add(sigma1**2, -sigma2**2), sigma1 * sigma2**2),
    (sigma1, "p", "q"): frac(add(sigma1**2, -sigma2**2, -_dmu**2), sigma1**3),
}

_L1, _L2 = sp.symbols("L_1 L_2")  # log sigma_1, log sigma_2
_LOGS = {sp.log(sigma1): _L1, sp.log(sigma2): _L2}
_FIELD = sp.QQ.frac_field(mu1, mu2, sigma1, sigma2, _L1, _L2)
#: The point of the exact and sampled gradients.
GRADIENT_POINT = {mu1: sp.Rational(3, 7), sigma1: sp.Rational(5, 4),
                  mu2: sp.Rational(-2, 9), sigma2: sp.Rational(2, 3)}
_NAMES = {"0": "$0$", "rev": r"$\nabla\mathrm{KL}(q\,\Vert\,p)$",
          "fwd": r"$\nabla\mathrm{KL}(p\,\Vert\,q)$",
          "rev-fwd": r"$\nabla\mathrm{KL}(q\,\Vert\,p) - \nabla\mathrm{KL}(p\,\Vert\,q)$",
          "Ek2": r"$\nabla\mathbb E_q[k_2]$",
          "bias": r"$\nabla\big(\mathbb E_q[k_2] - \mathrm{KL}(q\,\Vert\,p)\big)$"}


def _moments(mean, sd, n=9):
    base = [0 if k % 2 else sp.factorial2(k - 1) for k in range(n)]
    return [_FIELD.from_sympy(sp.expand(sum(sp.binomial(k, j) * mean ** (k - j) * sd**j * base[j]
                                            for j in range(k + 1)))) for k in range(n)]


def _in_field(expr):
    return _FIELD.from_sympy(sp.expand(expr).subs(_LOGS))


def _expect_gradient(g, rho, mom_q, mom_p):
    """E over x ~ q of g(x, rho): a term rho f(x) by E_q[rho f] = E_p[f]."""
    poly = sp.poly(g.subs(_LOGS), x, rho, domain=_FIELD)
    terms = poly.rep.to_dict().items()
    assert all(j <= 1 for (_, j), _ in terms)
    return sum(((mom_p if j else mom_q)[k] * c for (k, j), c in terms), _FIELD.zero)


def _candidates(th, kl_qp, kl_pq, e_k2):
    cand = {"0": 0, "rev": sp.diff(kl_qp, th), "fwd": sp.diff(kl_pq, th),
            "rev-fwd": sp.diff(kl_qp - kl_pq, th), "Ek2": sp.diff(e_k2, th),
            "bias": sp.diff(e_k2 - kl_qp, th)}
    return {c: _in_field(v) for c, v in cand.items()}


def gradient_verdicts(ks, gradient, at_x, rho):
    """Which gradient each estimator's expected per-sample gradient is, in each placement.

    E_q of each per-sample gradient, a polynomial in x and rho, follows from the moments of
    x under q (a term rho f(x) from the moments under p).  The results are rational
    functions of mu_1, mu_2, sigma_1, sigma_2 and the logs of the sigmas, compared exactly
    (canonical form in the field of such functions) with the candidates: 0, the gradient
    of KL(q || p), of KL(p || q), their difference, of E_q[k2], and of k2's bias.

    Parameters
    ----------
    ks : dict
        Estimator name to its expression in the log-ratio t; ``"k2"`` is t^2/2.
    gradient : callable
        ``gradient(k, placement, th)``: one sample's gradient, in x and ``rho``, for the
        placements ``"a"``, ``"b"``, ``"d"``.
    at_x : callable
        ``at_x(f)``: f(t) at the sample, in x and ``rho``.
    rho : sympy.Symbol
        The symbol standing for e^t.

    Returns
    -------
    (dict, dict)
        ``verdict[name, placement]``, a candidate key, the same for mu_1 and sigma_1; and
        ``exact[name, placement, th]``, the expected gradient at :data:`GRADIENT_POINT`.

    Raises
    ------
    AssertionError
        If an expected gradient matches no candidate, or two, or differs between mu_1 and
        sigma_1.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo_gradients import gradient_verdicts
    >>> from kltools.symbolic import mu1, mu2, normal_pdf, sigma1, sigma2, x
    >>> t, rho = sp.Symbol("t", real=True), sp.Symbol("rho", positive=True)
    >>> log_q = sp.expand_log(sp.log(normal_pdf(x, mu1, sigma1)), force=True)
    >>> log_p = sp.expand_log(sp.log(normal_pdf(x, mu2, sigma2)), force=True)
    >>> at_x = lambda f: f.subs(sp.exp(t), rho).subs(t, log_p - log_q)
    >>> reward = lambda k, pl, th: 0 if pl == "b" else at_x(k) * sp.diff(log_q, th)
    >>> verdict, _ = gradient_verdicts({"k1": -t, "k2": t**2 / 2}, reward, at_x, rho)
    >>> verdict["k1", "d"], verdict["k1", "b"]
    ('rev', '0')
    """
    from kltools.symbolic import kl_normal_textbook

    mom_q, mom_p = _moments(mu1, sigma1), _moments(mu2, sigma2)
    kl_qp, kl_pq = kl_normal_textbook(), kl_normal_textbook(mu2, sigma2, mu1, sigma1)
    e_k2 = _FIELD.to_sympy(_expect_gradient(at_x(ks["k2"]), rho, mom_q, mom_p)).subs(
        {_L1: sp.log(sigma1), _L2: sp.log(sigma2)})
    point = GRADIENT_POINT | {_L1: sp.log(GRADIENT_POINT[sigma1]),
                              _L2: sp.log(GRADIENT_POINT[sigma2])}
    verdict, exact = {}, {}
    for th in (mu1, sigma1):
        cand = _candidates(th, kl_qp, kl_pq, e_k2)
        for name, k in ks.items():
            e_pl = {pl: _expect_gradient(sp.sympify(gradient(k, pl, th)), rho, mom_q, mom_p)
                    for pl in "abd"}
            e_pl["c"] = e_pl["b"] + e_pl["d"]  # E is linear
            for pl, e in e_pl.items():
                exact[name, pl, th] = float(_FIELD.to_sympy(e).subs(point))
                match = [c for c, v in cand.items() if e == v]
                assert len(match) == 1, (name, pl, th, match)
                verdict.setdefault((name, pl), set()).add(match[0])
    assert all(len(v) == 1 for v in verdict.values())  # mu_1 and sigma_1 agree
    return {key: v.pop() for key, v in verdict.items()}, exact


def gradient_table(verdict, names=("k1", "k2", "k3")):
    """The table of expected gradients, placements by estimators, as Markdown.

    Parameters
    ----------
    verdict : dict
        ``verdict[name, placement]`` from :func:`gradient_verdicts`.
    names : sequence of str
        The estimators, in column order.

    Returns
    -------
    str
        A Markdown table with rows (a) to (d).

    Examples
    --------
    >>> from kltools.chapters.monte_carlo_gradients import gradient_table
    >>> gradient_table({("k1", pl): "0" for pl in "abcd"}, names=("k1",)).splitlines()[2]
    '| (a) pathwise | $0$ |'
    """
    rows = {"a": "(a) pathwise", "b": "(b) loss, samples fixed",
            "c": "(c) loss + score term", "d": r"(d) reward, $k\,s$"}
    header = "| placement | " + " | ".join(f"${k[0]}_{k[1]}$" for k in names) + " |"
    lines = [header, "|---" * (len(names) + 1) + "|"]
    lines += [f"| {rows[pl]} | " + " | ".join(_NAMES[verdict[k, pl]] for k in names) + " |"
              for pl in "abcd"]
    return "\n".join(lines)


def _flat(e):
    return sp.expand(sp.expand_log(e, force=True, factor=True))


def _grad_at_pi(f, pi):
    """d/d theta_j of f(log softmax(theta)) at theta = log pi, for each j.

    Along logit j, log softmax_i = log pi_i + eps [i = j] - log Z(eps), with
    Z(eps) = 1 - pi_j + pi_j e^eps: Z(0) = 1 and Z'(0) = pi_j.
    """
    eps = sp.Symbol("epsilon", real=True)
    out, big_z = [], sp.Function("Z")(eps)
    for j in range(len(pi)):
        la = [sp.log(v) + eps * int(i == j) - sp.log(big_z) for i, v in enumerate(pi)]
        d = sp.diff(f(la), eps).subs(sp.Derivative(big_z, eps), pi[j])
        out.append(_flat(d.subs(big_z, 1).subs(eps, 0)))
    return out


def check_softmax_gradients(ks, expected_gradient, pi, pi_ref, verdict):
    """Check that each placement's exact vocabulary sum is the gradient of the Gaussian table.

    The candidates are the KL gradients of the softmax, computed by differentiating the
    softmax itself (sympy, along each logit from logits log pi); each sum must match
    exactly one, in canonical form, and that one must be ``verdict[name, placement]``.

    Parameters
    ----------
    ks : dict
        Estimator name to its expression in the log-ratio t.
    expected_gradient : callable
        ``expected_gradient(k, placement)``: the 1 x V sympy matrix sum_i pi_i g_i, for
        the placements ``"b"``, ``"c"``, ``"d"``.
    pi, pi_ref : sequence of sympy.Rational
        The policy and the reference, over a vocabulary of V tokens.
    verdict : dict
        ``verdict[name, placement]`` from :func:`gradient_verdicts`.

    Returns
    -------
    (str, dict)
        The verdict as the page prints it, and the exact gradients as float arrays,
        ``exact[name, placement]``.

    Raises
    ------
    AssertionError
        If a sum matches no candidate, more than one, or another than the table's.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.monte_carlo_gradients import check_softmax_gradients
    >>> pi = [sp.Rational(n, 20) for n in (2, 4, 5, 6, 3)]
    >>> ref = [sp.Rational(n, 20) for n in (6, 5, 4, 3, 2)]
    >>> zero = lambda k, pl: sp.zeros(1, 5)  # a k whose every placement has gradient 0
    >>> verdict = {("k", pl): "0" for pl in "bcd"}
    >>> text, _ = check_softmax_gradients({"k": 0}, zero, pi, ref, verdict)
    >>> text.splitlines()[-1]
    'of the table: yes'
    """
    log_ref = [sp.log(v) for v in pi_ref]
    rev = _grad_at_pi(lambda la: sum(sp.exp(a) * (a - b) for a, b in zip(la, log_ref)), pi)
    fwd = _grad_at_pi(lambda la: sum(sp.exp(b) * (b - a) for a, b in zip(la, log_ref)), pi)
    ek2 = _grad_at_pi(lambda la: sum(sp.exp(a) * (b - a) ** 2 / 2
                                     for a, b in zip(la, log_ref)), pi)
    cand = {"0": [0] * len(pi), "rev": rev, "fwd": fwd,
            "rev-fwd": [_flat(u - v) for u, v in zip(rev, fwd)], "Ek2": ek2,
            "bias": [_flat(u - v) for u, v in zip(ek2, rev)]}
    exact = {}
    for name, k in ks.items():
        for pl in "bcd":
            g = [_flat(v) for v in expected_gradient(k, pl)]
            exact[name, pl] = np.array([float(v) for v in g])
            match = [c for c, v in cand.items() if g == v]
            assert match == [verdict[name, pl]], (name, pl, match)
    return (f"{len(pi)}-token softmax policy, exact sums over the vocabulary:\n"
            "placements (b), (c), (d) of k1, k2, k3 give the gradients\n"
            "of the table: yes"), exact


def _gaussian_gradient_samples(rng, n, exact_grad, names):
    from scipy import stats

    m1, s1, m2, s2 = (float(GRADIENT_POINT[v]) for v in (mu1, sigma1, mu2, sigma2))
    assert (s1 / s2) ** 2 > 0.5  # finite variance of the rho terms
    zs = rng.standard_normal(n)
    xs = m1 + s1 * zs
    lr = stats.norm.logpdf(xs, m2, s2) - stats.norm.logpdf(xs, m1, s1)
    score = {mu1: (xs - m1) / s1**2, sigma1: ((xs - m1) ** 2 - s1**2) / s1**3}
    dt_dx = -(xs - m2) / s2**2 + (xs - m1) / s1**2
    path = {mu1: dt_dx - score[mu1], sigma1: dt_dx * zs - score[sigma1]}
    value = _estimators(lr)
    slope = {"k1": -np.ones_like(lr), "k2": lr, "k3": np.expm1(lr)}  # k'(t)
    samples, exact = [], []
    for th in (mu1, sigma1):
        for name in names:
            per = {"a": slope[name] * path[th], "b": -slope[name] * score[th],
                   "d": value[name] * score[th]}
            per["c"] = per["b"] + per["d"]
            for pl in "abcd":
                samples.append(per[pl])
                exact.append(exact_grad[name, pl, th])
    return samples, exact


def _softmax_gradient_samples(rng, n, exact_tok, names, pi, pi_ref):
    p_f, ref_f = np.array(pi, dtype=float), np.array(pi_ref, dtype=float)
    tokens = rng.choice(len(p_f), size=n, p=p_f)
    lr = np.log(ref_f[tokens]) - np.log(p_f[tokens])
    s_tok = np.eye(len(p_f))[tokens] - p_f  # the score of each sampled token
    value, slope = _estimators(lr), {"k1": -1.0, "k2": lr, "k3": np.expm1(lr)}
    samples, exact = [], []
    for name in names:
        dk = np.reshape(slope[name], (-1, 1))
        per = {"b": -dk * s_tok, "d": value[name][:, None] * s_tok}
        per["c"] = per["b"] + per["d"]
        for pl in "bcd":
            samples += list(per[pl].T)
            exact += list(exact_tok[name, pl])
    return samples, exact


def check_gradients_by_sampling(exact_grad, exact_tok, pi, pi_ref, n=200_000, seed=15,
                                alpha=1e-4):
    """Check every expected gradient by Monte Carlo, as training code computes it.

    Seeded samples, per-sample gradients from ``scipy.stats`` log-densities and the scores
    written out, averaged; each mean must lie within z standard errors of the exact value,
    z from a false-failure probability ``alpha`` shared by all (Bonferroni).

    Parameters
    ----------
    exact_grad : dict
        ``exact[name, placement, th]`` from :func:`gradient_verdicts`.
    exact_tok : dict
        The exact softmax gradients from :func:`softmax_verdicts`.
    pi, pi_ref : sequence of sympy.Rational
        The softmax policy and reference.
    n : int
        Samples, for the Gaussian and for the softmax policy.
    seed : int
        Seed of ``numpy.random.default_rng``.
    alpha : float
        The false-failure probability of all the checks together.

    Returns
    -------
    str
        The verdict as the page prints it.

    Raises
    ------
    AssertionError
        If a sampled mean is too far from its exact value.

    Examples
    --------
    >>> from kltools.chapters.monte_carlo_gradients import check_gradients_by_sampling
    >>> import numpy as np
    >>> zero = {("k1", pl): np.zeros(2) for pl in "bcd"}  # at pi = pi_ref every mean is 0
    >>> print(check_gradients_by_sampling({}, zero, [0.5, 0.5], [0.5, 0.5], n=1000))
    6 expected gradients (0 Gaussian, 6 softmax), N = 1,000 samples each:
    all within 4.31 standard errors of the exact values: yes
    """
    names = sorted({key[0] for key in exact_grad} | {key[0] for key in exact_tok})
    rng = np.random.default_rng(seed)
    samples, exact = _gaussian_gradient_samples(rng, n, exact_grad, names) if exact_grad \
        else ([], [])
    tok_samples, tok_exact = _softmax_gradient_samples(rng, n, exact_tok, names, pi, pi_ref)
    from scipy import stats

    z_grad = stats.norm.isf(alpha / (2 * max(len(samples) + len(tok_samples), 1)))
    assert all(abs(g.mean() - e) <= z_grad * g.std(ddof=1) / np.sqrt(n)
               for g, e in zip(samples + tok_samples, exact + tok_exact))
    return (f"{len(samples) + len(tok_samples)} expected gradients ({len(samples)} Gaussian, "
            f"{len(tok_samples)} softmax), N = {n:,} samples each:\n"
            f"all within {z_grad:.2f} standard errors of the exact values: yes")

