"""The formula-audit chapter: published lines, reader-question formulas and invented slips,
each checked with :func:`kltools.check_formula` against the chapter's reading of it.

Each table row is ``(what, source URL or None, line as quoted, names, expected)``, with
``expected = (verdict, reinterpretation, reduction)`` or ``(..., factor)`` for a line
that is a constant multiple of a KL.  :func:`checked_list` runs every row, raises
``AssertionError`` where the checker's answer is not the expected one, and returns the
Markdown list the page shows.  Only the standard library and the checker are imported.
"""

from __future__ import annotations

import re

from ..checker import check_formula

__all__ = ["PUBLISHED", "QUESTIONS", "ILLUSTRATIVE", "OWN_LINES", "checked_list",
           "reading", "check_own_lines"]

SPINNINGUP = {"mu0": "mu", "log_std0": "log_std", "var0": "var",
              "mu1": "mu_p", "log_std1": "log_std_p", "var1": "var_p"}
BASELINES = {"self.mean": "mu", "self.logstd": "log_std",
             "self.std": "std", "other.mean": "mu_p",
             "other.logstd": "log_std_p", "other.std": "std_p"}
NORMAL_KL = {"mean1": "mu", "logvar1": "log_var", "mean2": "mu_p", "logvar2": "log_var_p"}
DIFFUSERS = {"self.mean": "mu", "self.var": "var", "self.logvar": "logvar"}
GH = "https://github.com/"

# (what, source URL, line as quoted, names, the chapter's reading)
PUBLISHED = [
    ("Keras blog, *Building Autoencoders in Keras* (2016)",
     "https://blog.keras.io/building-autoencoders-in-keras.html",
     "kl_loss = - 0.5 * K.mean(1 + z_log_sigma - K.square(z_mean)"
     " - K.exp(z_log_sigma), axis=-1)",
     None, ("kl_qp", {"z_log_sigma": "log_var"}, "mean")),
    ("Keras's VAE example (2017), as quoted in keras-team/keras#6500; "
     "keras#4967 asked why its loss went negative",
     GH + "keras-team/keras/pull/6500",
     "kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean)"
     " - K.exp(z_log_var), axis=-1)",
     None, ("kl_qp", {}, "sum")),
    ("PyTorch examples, `vae/main.py`",
     GH + "pytorch/examples/blob/main/vae/main.py",
     "KLD = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
     None, ("kl_qp", {}, "sum")),
    ("AntixK/PyTorch-VAE, `vanilla_vae.py`, reported as a mistake in #69",
     GH + "AntixK/PyTorch-VAE/issues/69",
     "kld_loss = torch.mean(-0.5 * torch.sum(1 + log_var - mu ** 2"
     " - log_var.exp(), dim = 1), dim = 0)",
     None, ("kl_qp", {}, "sum")),
    ("FluxML model-zoo, `vae.jl` before #76 (reported in #73)",
     GH + "FluxML/model-zoo/issues/73",
     "kl_q_p(μ, logσ) = 0.5f0 * sum(exp.(2f0 .* logσ) + μ.^2 .- 1f0"
     " .+ logσ.^2)",
     None, ("no_match", {}, "sum")),
    ("FluxML model-zoo, `vae.jl` after #76 and #147",
     GH + "FluxML/model-zoo/pull/147",
     "kl_q_p(μ, logσ) = 0.5f0 * sum(exp.(2f0 .* logσ) + μ.^2 .- 1f0"
     " .- (2 .* logσ))",
     None, ("kl_qp", {}, "sum")),
    ("fastforwardlabs/vae-tf; #3 doubted its factors of 2",
     GH + "fastforwardlabs/vae-tf/issues/3",
     "return -0.5 * tf.reduce_sum(1 + 2 * log_sigma - mu**2 -\n"
     "                            tf.exp(2 * log_sigma), 1)",
     None, ("kl_qp", {}, "sum")),
    ("AndrewSpano/Disentangled-Variational-Autoencoder, #12",
     GH + "AndrewSpano/Disentangled-Variational-Autoencoder/issues/12",
     "kl_divergence = (1 / 2) * torch.sum(torch.exp(std)"
     " + torch.square(mean) - 1 - std, axis=1)",
     None, ("kl_qp", {"std": "log_var"}, "sum")),
    ("graviraja/pytorch-sample-codes, #2",
     GH + "graviraja/pytorch-sample-codes/issues/2",
     "kl_loss = 0.5 * torch.sum(torch.exp(z_var) + z_mu**2 - 1.0 - z_var)",
     {"z_mu": "mu", "z_var": "var"}, ("kl_qp", {"z_var": "log_var"}, "sum")),
    ("OpenAI Spinning Up, `diagonal_gaussian_kl` (TRPO), with `EPS = 0`",
     GH + "openai/spinningup/blob/master/spinup/algos/tf1/trpo/core.py",
     "pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1)"
     " +  log_std1 - log_std0",
     {**SPINNINGUP, "EPS": 0}, ("kl_qp", {}, None)),
    ("The same line with its `EPS = 1e-8`",
     GH + "openai/spinningup/blob/master/spinup/algos/tf1/trpo/core.py",
     "pre_sum = 0.5*(((mu1- mu0)**2 + var0)/(var1 + EPS) - 1)"
     " +  log_std1 - log_std0",
     {**SPINNINGUP, "EPS": 1e-8}, ("no_match", {}, None)),
    ("OpenAI Baselines, `DiagGaussianPd.kl`",
     GH + "openai/baselines/blob/master/baselines/common/distributions.py",
     "return tf.reduce_sum(other.logstd - self.logstd + (tf.square(self.std)"
     " + tf.square(self.mean - other.mean)) / (2.0 * tf.square(other.std))"
     " - 0.5, axis=-1)",
     BASELINES, ("kl_qp", {}, "sum")),
    ("*Understanding Deep Learning*, eq. C.32 as printed, at $d = 1$ "
     "(udlbook#184: the log covered the whole bracket)",
     GH + "udlbook/udlbook/issues/184",
     "0.5*log(var_p/var - 1 + var/var_p + (mu_p - mu)**2/var_p)",
     None, ("no_match", {}, None)),
    ("*Probabilistic Machine Learning: Advanced Topics*, eq. 10.50 as "
     "printed (pml2-book#297: the −1 was missing)",
     GH + "probml/pml2-book/issues/297",
     "0.5*(-log(sigma**2) + sigma**2 + mu**2)",
     None, ("no_match", {}, None)),
    ("Guided diffusion, `normal_kl`, over several lines, with `th` for torch",
     GH + "openai/guided-diffusion/blob/22e0df8183507e13a7813f8d38d51b072ca1e67c/"
     "guided_diffusion/losses.py#L33-L39",
     "return 0.5 * (\n    -1.0\n    + logvar2\n    - logvar1\n"
     "    + th.exp(logvar1 - logvar2)\n    + ((mean1 - mean2) ** 2) * th.exp(-logvar2)\n)",
     NORMAL_KL, ("kl_qp", {}, None)),
    ("The Keras example's KL over three statements (as copied in "
     "wikistat/High-Dimensional-Deep-Learning)",
     GH + "wikistat/High-Dimensional-Deep-Learning/blob/"
     "9dfe7e1d784ab669ceab0a735a4279c1ef869ad9/AutoEncoder/solutions/train_outlier_vae.py#L21-L23",
     "kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)\n"
     "kl_loss = K.sum(kl_loss, axis=-1)\nkl_loss *= -0.5",
     None, ("kl_qp", {}, "sum")),
    ("Its first statement alone", None,
     "kl_loss = 1 + z_log_var - K.square(z_mean) - K.exp(z_log_var)",
     None, ("neg_kl_qp", {}, None, 2)),
    ("diffusers, the Oobleck autoencoder's `kl()`",
     GH + "huggingface/diffusers/blob/58eb52c0803ea9af3abec60841c2a093bdf1f951/"
     "src/diffusers/models/autoencoders/autoencoder_oobleck.py#L171",
     "return (self.mean * self.mean + self.var - self.logvar - 1.0).sum(1).mean()",
     DIFFUSERS, ("kl_qp", {}, "sum", 2)),
    ("bojone/vae, the conditional VAE: a prior N(`yh`, 1) per class",
     GH + "bojone/vae/blob/69931f5380c62124c35821b2b7d4186b14654073/cvae_keras.py#L74",
     "kl_loss = - 0.5 * K.sum(1 + z_log_var - K.square(z_mean - yh)"
     " - K.exp(z_log_var), axis=-1)",
     {"yh": "mu_p"}, ("kl_qp", {}, "sum")),
]

# The reader questions' formulas, in the checker's names.
QUESTIONS = [
    ("The general closed form", None,
     "log(sigma_p/sigma) + (sigma**2 + (mu - mu_p)**2)/(2*sigma_p**2) - 1/2",
     None, ("kl_qp", {}, None)),
    ("The unit-prior σ form", None,
     "-0.5*(2*log(sigma) - sigma**2 - mu**2 + 1)", None, ("kl_qp", {}, None)),
    ("The \"most code\" form of question 1", None,
     "-0.5*(log(sigma) - sigma - mu**2 + 1)",
     None, ("kl_qp", {"sigma": "var"}, None)),
    ("Kingma & Welling, Appendix B, per dimension", None,
     "0.5*(1 + log(var) - mu**2 - var)", None, ("neg_kl_qp", {}, None)),
    ("The blog walkthrough's result (question 3)", None,
     "-0.5*(1 + log(sigma**2) - mu**2 - sigma**2)", None, ("kl_qp", {}, None)),
    ("The plot of question 2, natural log", None,
     "0.5*(sigma**2 - 1 - log(sigma**2))", None, ("kl_qp", {}, None)),
    ("The plot of question 2, with log₁₀", None,
     "0.5*(sigma**2 - 1 - log10(sigma**2))", None, ("no_match", {}, None)),
    ("The commenter's formula of question 2", None,
     "0.5*(sigma**-2 - 1) - log(sigma)", None, ("no_match", {}, None)),
    ("The \"other direction\" answer of question 2", None,
     "log(sigma) + (1 + mu**2)/(2*sigma**2) - 1/2", None, ("kl_pq", {}, None)),
]

# Invented lines, one typical slip each.
ILLUSTRATIVE = [
    ("The constant's sign flipped", None,
     "kl = torch.log(std_p / std) + (std**2 + (mu - mu_p)**2)"
     " / (2 * std_p**2) + 0.5", None, ("no_match", {}, None)),
    ("The variances swapped in the quotient only", None,
     "kl = torch.log(std_p / std) + (std_p**2 + (mu - mu_p)**2)"
     " / (2 * std**2) - 0.5", None, ("no_match", {}, None)),
    ("The ½ dropped", None,
     "kl = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
     None, ("kl_qp", {}, "sum", 2)),
    ("The ELBO's term logged as the \"KL loss\"", None,
     "kl = 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())",
     None, ("neg_kl_qp", {}, "sum")),
    ("The variance squared once too often", None,
     "kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp().pow(2))",
     None, ("no_match", {}, "sum")),
]

# "Check your own line": the page's three lines and what its text says of them.
OWN_LINES = [
    ("kl = 0.5 * (var + mu**2 - 1 - torch.log(var)).sum(-1)", ("kl_qp", "sum")),
    ("kl = (log_std_p - log_std"
     " + (std**2 + (mu - mu_p)**2) / (2 * std_p**2) - 0.5).mean()", ("kl_qp", "mean")),
    ("kl = 0.5 * np.sum(std**2 + mu**2 - 1 - np.log(std))", ("no_match", "sum")),
]

_VERDICT = {"kl_qp": "KL(q‖p)", "kl_pq": "KL(p‖q)", "no_match": "no KL"}
_QUANTITY = {"sigma": "the standard deviation", "var": "the variance",
             "log_var": "the log-variance", "log_sigma": "log σ"}
_REDUCTION = {"sum": ", summed over the latent dimensions",
              "mean": ", averaged over the latent dimensions (β = 1/d)", None: ""}
_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _number(x: float) -> str:
    """``x`` to 2 significant digits, as a page prints it: −2.5·10⁻⁹, 0.43, 1.4."""
    text = f"{x:.2g}"
    match = re.fullmatch(r"(-?[\d.]+)e([+-]\d+)", text)
    if match:
        text = f"{match.group(1)}·10" + str(int(match.group(2))).translate(_SUPERSCRIPT)
    return text.replace("-", "−")


def _verdict(result) -> str:
    kl = result.verdict.removeprefix("neg_")
    sign = -1 if result.verdict.startswith("neg_") else 1
    factor = sign * result.factor
    if factor == 1:
        return _VERDICT[kl]
    if factor == -1:
        return "−" + _VERDICT[kl]
    shown = str(factor).replace("-", "−")
    inverse = str(1 / factor).replace("-", "−")
    return f"{shown} × {_VERDICT[kl]} (multiply by {inverse} for the KL)"


def reading(result) -> str:
    """The checker's answer as the page's sentence.

    Parameters
    ----------
    result : kltools.checker.FormulaCheck
        What :func:`kltools.check_formula` returned for a line.

    Returns
    -------
    str
        The verdict and its factor, what each name must be, the reduction, p = N(μ_p, 1)
        where it was assumed, and for a line that is no KL the point that shows it, with the
        difference (line minus KL) the checker computed there at high precision.

    Examples
    --------
    >>> from kltools import check_formula
    >>> reading(check_formula("kl = -torch.sum(1 + logvar - mu.pow(2) - logvar.exp())"))
    '2 × KL(q‖p) (multiply by 1/2 for the KL), summed over the latent dimensions.'
    """
    text = _verdict(result)
    ifs = [f"`{k}` is {_QUANTITY[v]}" for k, v in result.reinterpretation.items()]
    text += (" if " + " and ".join(ifs)) if ifs else ""
    text += _REDUCTION[result.reduction]
    if result.assumed.get("sigma_p") == 1:
        text += ", against p = N(μ_p, 1)"
    ce = result.counterexample
    if ce is not None:
        d = {"mu_p": 0.0, "sigma_p": 1.0, **ce["distributions"]}
        text += (f". At q = N({d['mu']:.4g}, {d['sigma']:.4g}²), "
                 f"p = N({d['mu_p']:.4g}, {d['sigma_p']:.4g}²) the line "
                 f"gives {ce['formula']:.4g}, the KL {ce['kl_qp']:.4g}: "
                 f"a difference of {_number(ce['difference'])}")
    return text + "."


def _one_line(code: str) -> str:
    """Code on one line: whitespace collapsed, statements joined by "; "."""
    statements, current, depth = [], [], 0
    for line in code.splitlines():
        current.append(line.strip())
        depth += sum(line.count(c) for c in "([") - sum(line.count(c) for c in ")]")
        if depth == 0 and not line.rstrip().endswith("\\"):
            statements.append(" ".join(" ".join(current).split()))
            current = []
    statements += [" ".join(" ".join(current).split())] if current else []
    return "; ".join(statements).replace("( ", "(").replace(" )", ")")


def _check_row(row):
    what, _, line, names, expected = row
    result = check_formula(line, names=names)
    verdict, reinterpretation, reduction, *factor = expected
    want = (verdict, reinterpretation, reduction, factor[0] if factor else 1)
    got = (result.verdict, result.reinterpretation, result.reduction, result.factor)
    assert got == want, (what, got)
    assert result.verdict != "no_match" or result.counterexample, what
    return result


def checked_list(rows) -> tuple[str, list]:
    """Check every row against its expected reading, and render the rows as the page's list.

    Parameters
    ----------
    rows : list of tuple
        ``(what, source URL or None, line as quoted, names or None, expected)``, as in
        :data:`PUBLISHED`, :data:`QUESTIONS` and :data:`ILLUSTRATIVE`.

    Returns
    -------
    page : str
        A Markdown list, one item per row: its source, the line and the checker's answer.
    verdicts : list of str
        The verdicts, in the rows' order.

    Raises
    ------
    AssertionError
        If the checker's verdict, reinterpretation, reduction or factor for a row is not
        the one the row expects, or a "no KL" comes without a counterexample.

    Examples
    --------
    >>> page, verdicts = checked_list(QUESTIONS[:1])
    >>> verdicts
    ['kl_qp']
    >>> page.splitlines()[2]
    '  → **KL(q‖p).**'
    """
    items, verdicts = [], []
    for row in rows:
        what, url, line, names, _ = row
        result = _check_row(row)
        verdicts.append(result.verdict)
        shown = _one_line(line)
        given = "".join(f", `{k}` as `{v}`" for k, v in (names or {}).items())
        source = f"[{what}]({url})" if url else what
        items.append(f"- {source}{given}:  \n  `{shown}`  \n  → **{reading(result)}**")
    return "\n".join(items), verdicts


def check_own_lines(lines=OWN_LINES) -> list:
    """The "check your own line" section's lines give what the page's text says of them.

    Parameters
    ----------
    lines : list of tuple, optional
        ``(line, (verdict, reduction))`` pairs; the third line must be no KL.  The page's
        own, :data:`OWN_LINES`, by default.

    Returns
    -------
    list of kltools.checker.FormulaCheck
        The checker's answers, in order.

    Raises
    ------
    AssertionError
        If a verdict or reduction differs from the text's, or the line that is no KL has no
        nonzero difference at its counterexample.

    Examples
    --------
    >>> [r.describe() for r in check_own_lines()][0]
    'kl_qp, summed over the latent dimensions'
    """
    results = [check_formula(line) for line, _ in lines]
    got = [(r.verdict, r.reduction) for r in results]
    assert got == [want for _, want in lines], got
    assert results[2].counterexample["difference"] != 0
    return results
