"""The accuracy chapter ("Computing the KL accurately"): its measurement, tables and figure.

:func:`measure` evaluates every form of :mod:`kltools.baselines` and kltools' closed forms
on the grids of :mod:`kltools.accuracy`, in float64 and float32, against a 50-digit
reference.  The other functions turn that measurement into what the page shows (the error
tables, the glued numbers, the figure, the half-precision table) and check the claims the
page prints.
"""

from __future__ import annotations

import math

import mpmath as mp
import numpy as np
import sympy as sp

from kltools import baselines
from kltools.accuracy import (
    GRIDS,
    entropy_normal_grid,
    kl_normal_grid,
    kl_std_normal_grid,
    reference_values,
    ulp_errors,
)
from kltools import cross_entropy_normal, entropy_normal, kl_normal, kl_std_normal
from kltools.closed_forms import _G_COEFFS
from kltools.symbolic import kl_normal_textbook as kl_textbook_expr

__all__ = [
    "ROWS",
    "UNIT_ROUNDOFF",
    "in_r",
    "measure",
    "error_tables",
    "measurement_glue",
    "fitted_slope",
    "check_claims_on_every_cpu",
    "overflow_thresholds",
    "relative_error_figure",
    "series_terms",
    "half_precision_column",
    "half_precision_table",
]

#: The rows of the error tables, in the order the page shows them.
ROWS = (
    "textbook", "torch, NumPyro", "TFP, distrax", "distrax LogStddevNormal", "kl_normal",
    "VAE form", "expm1 form", "kl_std_normal", "entropy, literal", "entropy_normal",
    "cross-entropy, literal", "cross_entropy_normal",
)
#: Unit roundoffs of the two measured precisions.
UNIT_ROUNDOFF = {"float64": 2.0**-53, "float32": 2.0**-24}

_r = sp.Symbol("r", positive=True)
_x = sp.Symbol("x", real=True)
_s, _t = sp.symbols("s t", real=True)
#: P(t) = sum_k t^k / (2k + 3), in closed form.
P_CLOSED = (sp.atanh(sp.sqrt(_t)) / sp.sqrt(_t) - 1) / _t


def in_r(expr):
    """A step of the chapter's derivation of B(r), written out in r.

    The step may use x = r - 1, s = x/(x + 2) and the function P, which is replaced by
    its closed form (atanh(sqrt t)/sqrt t - 1)/t.

    Parameters
    ----------
    expr : sympy expression
        A step in the symbols ``x``, ``s`` (real) and ``P(s**2)``.

    Returns
    -------
    sympy expression
        The step in ``r`` (positive) alone.

    Examples
    --------
    >>> import sympy as sp
    >>> from kltools.chapters.accuracy import in_r
    >>> x = sp.Symbol("x", real=True)
    >>> in_r(x**2)
    (r - 1)**2
    """
    expr = sp.sympify(expr).replace(sp.Function("P"), lambda arg: P_CLOSED.subs(_t, arg))
    return expr.subs(_s, _x / (_x + 2)).subs(_x, _r - 1).doit()


def _log_sigma_grid(kind, n, seed, dtype):
    m1, sd1, m2, sd2 = kl_normal_grid(kind, n, seed=seed, dtype=dtype)
    return m1, np.log(sd1), m2, np.log(sd2)


def _entropy_grid(kind, n, seed, dtype):
    return (entropy_normal_grid(kind, n, seed=seed, dtype=dtype),)


def _families():
    """(grid, exact expression, symbols, error scale or None, forms) of each measured family."""
    mu1, s1, mu2, s2, mu, log_var, s, l1, l2 = sp.symbols(
        "mu1 s1 mu2 s2 mu log_var s l1 l2", real=True)
    two = (mu1, s1, mu2, s2)
    ce_expr = sp.log(2 * sp.pi * s2**2) / 2 + (s1**2 + (mu1 - mu2) ** 2) / (2 * s2**2)
    entropy_terms = sp.Abs(sp.log(s)) + sp.log(2 * sp.pi * sp.E) / 2
    ce_terms = (((mu1 - mu2) / s2) ** 2 / 2 + (s1 / s2) ** 2 / 2 + sp.Abs(sp.log(s2))
                + sp.log(2 * sp.pi) / 2)
    return [
        (kl_normal_grid, kl_textbook_expr(*two), two, None,
         {"textbook": baselines.kl_normal_textbook, "torch, NumPyro": baselines.torch_form,
          "TFP, distrax": baselines.tfp_form, "kl_normal": kl_normal}),
        (_log_sigma_grid, kl_textbook_expr(mu1, sp.exp(l1), mu2, sp.exp(l2)),
         (mu1, l1, mu2, l2), None, {"distrax LogStddevNormal": baselines.log_stddev_form}),
        (kl_std_normal_grid, kl_textbook_expr(mu, sp.exp(log_var / 2), 0, 1), (mu, log_var),
         None, {"VAE form": baselines.vae_form, "expm1 form": baselines.expm1_form,
                "kl_std_normal": kl_std_normal}),
        (_entropy_grid, sp.log(2 * sp.pi * sp.E * s**2) / 2, (s,), entropy_terms,
         {"entropy, literal": baselines.entropy_literal, "entropy_normal": entropy_normal}),
        (kl_normal_grid, ce_expr, two, ce_terms,
         {"cross-entropy, literal": baselines.cross_entropy_literal,
          "cross_entropy_normal": cross_entropy_normal}),
    ]


def _relative(errs, refs, dtype):
    """Relative errors from ulp errors (the reference must not be 0), and the references."""
    hi = np.array([float(rv) for rv in refs])
    rounded = np.abs(hi).astype(dtype)
    tiniest = np.finfo(dtype).smallest_subnormal
    spacing = np.where(rounded == 0, tiniest, np.spacing(rounded)).astype(np.float64)
    return errs * spacing / np.abs(hi), hi


def _measure_form(fn, args, refs, dtype, scale, finite):
    with np.errstate(all="ignore"):
        got = np.asarray(fn(*args))
    errs = ulp_errors(got, refs, dtype, scale=scale)
    cell = {
        "max": float(errs.max()),
        "negative": int(np.sum(got < 0)) if scale is None else 0,
        "nonpositive": int(np.sum(got <= 0)),
        "nan": int(np.sum(np.isnan(got))),
        "inf": int(np.sum(np.isinf(got) & finite)),
        "dtype_kept": got.dtype == dtype,
    }
    return cell, errs, got


def _add_near_errors(cell, errs, got, refs, dtype):
    nonzero = np.array([rv != 0 for rv in refs])
    with np.errstate(all="ignore"):
        rel, exact = _relative(errs, refs, dtype)
    cell["rel"], cell["kl"] = rel[nonzero], exact[nonzero]
    cell["got"] = got[nonzero].astype(np.float64)
    cell["abs"] = np.abs(got.astype(np.float64) - exact).max()


def measure(n=500, seed=7, dtypes=(np.float64, np.float32), grids=GRIDS):
    """Errors of every measured form on every grid, in ulps of a 50-digit reference.

    Parameters
    ----------
    n : int
        Points per grid (the page uses 500).
    seed : int
        Seed of the grids.
    dtypes : sequence of numpy float dtypes
        The precisions measured, each form running in the precision of its inputs.
    grids : sequence of str
        Names from :data:`kltools.accuracy.GRIDS`.

    Returns
    -------
    dict
        ``results[dtype_name, form, grid]`` is a dict: ``max`` (largest error in ulps; of
        the sum of the terms' absolute values for the entropy and cross-entropy rows),
        counts ``negative``, ``nonpositive``, ``nan``, ``inf`` (inf where the exact value
        is finite), and ``dtype_kept``.  On the near grid the KL rows also hold ``rel``
        and ``kl`` (relative errors and exact values where the KL is not 0), ``got`` (the
        computed values there, as float64) and ``abs`` (the largest absolute error, nats).

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.accuracy import measure
    >>> res = measure(n=4, dtypes=(np.float64,), grids=("near",))
    >>> res["float64", "kl_normal", "near"]["max"] <= 4
    True
    """
    results = {}
    for dtype in dtypes:
        largest = mp.mpf(float(np.finfo(dtype).max))
        for grid, expr, syms, scale_expr, forms in _families():
            for kind in grids:
                args = grid(kind, n, seed=seed, dtype=dtype)
                points = np.column_stack(args)
                refs = reference_values(expr, syms, points)
                scale = None if scale_expr is None else reference_values(
                    scale_expr, syms, points)
                finite = np.array([abs(rv) <= largest for rv in refs])
                for name, fn in forms.items():
                    cell, errs, got = _measure_form(fn, args, refs, dtype, scale, finite)
                    results[np.dtype(dtype).name, name, kind] = cell
                    if kind == "near" and scale is None:
                        _add_near_errors(cell, errs, got, refs, dtype)
    return results


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def _sci(e, digits=0):
    """e as 8·10²², not Python's 8e+22."""
    mantissa, exponent = f"{e:.{digits}e}".split("e")
    return f"{mantissa}·10" + str(int(exponent)).translate(_SUPERSCRIPT)


def _fmt(e):
    if not np.isfinite(e):
        return "inf"
    return f"{e:.1f}" if e < 100 else _sci(e)


def _table(results, dtype):
    rows = ["| form | near | wide | extreme | wrong |", "|---|---|---|---|---|"]
    for name in ROWS:
        cells = [results[dtype, name, kind] for kind in GRIDS]
        wrong = [f"{sum(c[k] for c in cells)} {label}"
                 for k, label in (("negative", "neg."), ("nan", "NaN"), ("inf", "inf"))
                 if sum(c[k] for c in cells)]
        shown = (f"`{name}`" if "_" in name else name.replace(", literal", "")) + (
            " †" if name.startswith(("entropy", "cross")) else "")
        rows.append(f"| {shown} | " + " | ".join(_fmt(c["max"]) for c in cells)
                    + f" | {', '.join(wrong) or '–'} |")
    return "\n".join(rows)


def error_tables(results, n=500):
    """The page's two error tables (float64, float32), as Markdown.

    Parameters
    ----------
    results : dict
        The output of :func:`measure` on every grid and both precisions.
    n : int
        Points per grid, for the caption.

    Returns
    -------
    str
        Markdown: a caption and a table per precision, one row per entry of :data:`ROWS`
        (the largest error in ulps per grid, then the wrong values counted).

    Examples
    --------
    >>> from kltools.chapters.accuracy import error_tables, measure
    >>> error_tables(measure(n=20), n=20).splitlines()[0]
    '**float64**, maximum error in ulps over 20 points per grid'
    """
    return (f"**float64**, maximum error in ulps over {n} points per grid\n\n"
            + _table(results, "float64") + "\n\n**float32**, the same\n\n"
            + _table(results, "float32"))


def fitted_slope(cell, u):
    """Slope of log relative error against log KL, and its standard error.

    Fitted by least squares over the points with KL > u, where u/KL < 1 and the law
    relative error ~ u/KL can hold; below, the result is rounding noise, often exactly 0.

    Parameters
    ----------
    cell : dict
        A near-grid entry of :func:`measure` (with ``kl`` and ``rel``).
    u : float
        The unit roundoff of the precision measured.

    Returns
    -------
    (float, float)
        The slope and its standard error from the fit's covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools.chapters.accuracy import fitted_slope
    >>> kl = np.geomspace(1e-12, 1e-2, 20)
    >>> slope, se = fitted_slope({"kl": kl, "rel": 1e-16 / kl * (1 + 0.1 * np.sin(kl))}, 1e-16)
    >>> round(slope, 3)
    -1.0
    """
    keep = (cell["kl"] > u) & (cell["rel"] > 0) & np.isfinite(cell["rel"])
    coef, cov = np.polyfit(np.log(cell["kl"][keep]), np.log(cell["rel"][keep]), 1, cov=True)
    return float(coef[0]), math.sqrt(cov[0, 0])


def _near(results, dtype, name, key="max"):
    return results[dtype, name, "near"][key]


_GLUED_FORMS = (("textbook", "textbook"), ("torch", "torch, NumPyro"),
                ("tfp", "TFP, distrax"), ("logstd", "distrax LogStddevNormal"),
                ("vae", "VAE form"), ("expm1", "expm1 form"))


def measurement_glue(results, n=500):
    """The numbers the chapter's text quotes from the measurement, rounded as it shows them.

    Parameters
    ----------
    results : dict
        The output of :func:`measure` on every grid and both precisions.
    n : int
        Points per grid.

    Returns
    -------
    dict
        Glue name to plain Python number, in the order the page glues them.

    Examples
    --------
    >>> from kltools.chapters.accuracy import measure, measurement_glue
    >>> glued = measurement_glue(measure(n=20), n=20)
    >>> glued["acc_worst64"] <= 4
    True
    """
    glued = {"acc_worst64": round(max(results["float64", name, kind]["max"]
                                      for name in ("kl_normal", "kl_std_normal")
                                      for kind in GRIDS), 1)}
    for key, name in _GLUED_FORMS:
        glued[f"acc_{key}_near"] = float(f"{_near(results, 'float64', name):.1e}")
        glued[f"acc_{key}_abs32"] = float(f"{_near(results, 'float32', name, 'abs'):.0e}")
    glued["acc_kl_normal_near"] = round(_near(results, "float64", "kl_normal"), 1)
    glued["acc_logstd_neg"] = _near(results, "float64", "distrax LogStddevNormal", "negative")
    glued["acc_textbook_neg"] = _near(results, "float64", "textbook", "negative")
    slope, slope_se = fitted_slope(results["float64", "textbook", "near"], 2.0**-53)
    glued["acc_slope"], glued["acc_slope_se"] = round(slope, 3), round(slope_se, 3)
    glued["acc_vae_extreme_inf"] = results["float64", "VAE form", "extreme"]["inf"]
    vae32 = results["float32", "VAE form", "near"]
    glued["acc_vae_near32_nonpos"] = vae32["nonpositive"]
    glued["acc_vae_near32_neg"] = vae32["negative"]
    glued["acc_vae_near32_frac"] = round(100 * vae32["negative"] / n, 1)
    return glued


_CLAIMS_TEXT = (
    "kl_normal, kl_std_normal: <= 4 ulp in float64, faithful (< 1 ulp) in\n"
    "  float32, no negative, NaN or spurious inf, on every grid: {}\n"
    "entropy_normal, cross_entropy_normal: <= 4 and <= 8 ulps of their\n"
    "  terms in float64, <= 1 in float32, no NaN or spurious inf: {}\n"
    "near grid, float64: no correct digit left somewhere in the textbook,\n"
    "  PyTorch/NumPyro and LogStddevNormal forms, at most 6 somewhere in\n"
    "  the TFP/distrax form; PyTorch/NumPyro relative error between 1/2\n"
    "  and 3/2 at worst; negative values from the textbook and\n"
    "  LogStddevNormal forms: {}\n"
    "relative error of the textbook, VAE and LogStddevNormal forms ~ u/KL\n"
    "  (fitted slope -1 within 4 standard errors), float64 and float32:\n"
    "  {}\n"
    "below KL = u, float64: VAE form 0 at most points, with a few\n"
    "  values of a sign that depends on the CPU's exp;\n"
    "  textbook form of both signs; all at most 4 units of 2^-54: {}\n"
    "absolute error of every literal and library form on the near grid\n"
    "  <= 10 unit roundoffs, float64 and float32: {}\n"
    "VAE form on the extreme grid: inf where the KL is finite: {}\n"
    "VAE form in float32 on the near grid: 0 or less, where the KL is\n"
    "  positive, at most points; negative at at most a tenth: {}\n"
    "literal entropy on the extreme grids: inf where the entropy is\n"
    "  finite: {}"
)


def _ours_hold(results):
    ok = True
    for d in UNIT_ROUNDOFF:
        for name in ("kl_normal", "kl_std_normal"):
            for kind in GRIDS:
                c = results[d, name, kind]
                bound_met = c["max"] <= 4 if d == "float64" else c["max"] < 1
                ok &= (c["dtype_kept"] and c["negative"] == c["nan"] == c["inf"] == 0
                       and bound_met)
    return ok


def _terms_hold(results):
    return all(c["dtype_kept"] and c["nan"] == c["inf"] == 0
               and c["max"] <= (bound if d == "float64" else 1)
               for d in UNIT_ROUNDOFF
               for name, bound in (("entropy_normal", 4), ("cross_entropy_normal", 8))
               for c in (results[d, name, kind] for kind in GRIDS))


def _libraries_lose_digits(results):
    no_digit = 2.0**52  # 2^52 ulp is a relative error of at least 1/2
    near = lambda *a: _near(results, "float64", *a)  # noqa: E731
    return (near("textbook") > no_digit and near("torch, NumPyro") > no_digit
            and near("distrax LogStddevNormal") > no_digit
            and near("TFP, distrax") > 1e10  # at most 6 correct digits
            and near("textbook", "negative") > 0
            and near("distrax LogStddevNormal", "negative") > 0
            and 0.5 <= near("torch, NumPyro", "rel").max() <= 1.5)


def _slopes_hold(results):
    # a false alarm about once in 15,000 if the scatter were Gaussian
    return all(abs(slope + 1) <= 4 * se
               for d, unit in UNIT_ROUNDOFF.items()
               for name in ("textbook", "VAE form", "distrax LogStddevNormal")
               for slope, se in [fitted_slope(results[d, name, "near"], unit)])


def _noise_below_u(results, name):
    cell = results["float64", name, "near"]
    return cell["got"][cell["kl"] < UNIT_ROUNDOFF["float64"]] / 2.0**-54


def _below_u_holds(results):
    vae, textbook = _noise_below_u(results, "VAE form"), _noise_below_u(results, "textbook")
    return bool(np.mean(vae == 0) > 0.5 and np.abs(vae).max() <= 4
                and np.abs(textbook).max() <= 4 and textbook.min() < 0 < textbook.max())


def _absolute_holds(results):
    # at most 8 roundings, each of at most u times terms summing to at most 1.25
    names = ("textbook", "VAE form", "torch, NumPyro", "TFP, distrax",
             "distrax LogStddevNormal")
    return all(_near(results, d, name, "abs") <= 10 * unit
               for d, unit in UNIT_ROUNDOFF.items() for name in names)


def check_claims_on_every_cpu(results, n=500):
    """The claims the page prints after the tables, each verdict computed from ``results``.

    Every claim holds on every CPU the tests run on (natively and with numpy's AVX-512 and
    AVX2 code disabled), although the measured figures differ in their last digits.

    Parameters
    ----------
    results : dict
        The output of :func:`measure` on every grid and both precisions.
    n : int
        Points per grid.

    Returns
    -------
    str
        The claims, each followed by its verdict, "yes" or "no".

    Raises
    ------
    AssertionError
        If a claim does not hold, with the text and its verdicts.

    Examples
    --------
    >>> from kltools.chapters.accuracy import check_claims_on_every_cpu, measure
    >>> print(check_claims_on_every_cpu(measure(n=500), n=500).splitlines()[1])
      float32, no negative, NaN or spurious inf, on every grid: yes
    """
    vae32 = results["float32", "VAE form", "near"]
    verdicts = [
        _ours_hold(results), _terms_hold(results), _libraries_lose_digits(results),
        _slopes_hold(results), _below_u_holds(results), _absolute_holds(results),
        results["float64", "VAE form", "extreme"]["inf"] > 0,
        # how many are negative rather than 0 depends on the CPU's exp
        vae32["nonpositive"] > n / 2 and vae32["negative"] <= n / 10,
        all(results[d, "entropy, literal", "extreme"]["inf"] > 0 for d in UNIT_ROUNDOFF),
    ]
    text = _CLAIMS_TEXT.format(*("yes" if v else "no" for v in verdicts))
    assert all(verdicts), "a claim does not hold (verdict no):\n" + text
    return text


def overflow_thresholds():
    """Where exp(v) and the KL (e^v - 1 - v)/2 overflow, in float64 and float32.

    Parameters
    ----------
    None

    Returns
    -------
    dict
        ``acc_exp_max64``, ``acc_kl_max64``, ``acc_exp_max32``, ``acc_kl_max32``: log of
        the largest finite value, and that plus log 2, rounded to 2 decimals.

    Examples
    --------
    >>> from kltools.chapters.accuracy import overflow_thresholds
    >>> overflow_thresholds()["acc_exp_max32"]
    88.72
    """
    glued = {}
    for bits, dtype in ((64, np.float64), (32, np.float32)):
        largest = float(np.finfo(dtype).max)
        glued[f"acc_exp_max{bits}"] = round(math.log(largest), 2)
        glued[f"acc_kl_max{bits}"] = round(math.log(largest) + math.log(2), 2)
    return glued


_PANELS = {
    "two Gaussians, $\\sigma$ inputs": (
        "textbook", "torch, NumPyro", "TFP, distrax", "distrax LogStddevNormal", "kl_normal"),
    "unit prior, log-variance input": ("VAE form", "expm1 form", "kl_std_normal"),
}


def _worst_per_decade(cell):
    decade = np.floor(np.log10(cell["kl"]))
    kls, worst = [], []
    for dec in np.unique(decade):
        inside = decade == dec
        if cell["rel"][inside].max() > 0:
            kls.append(np.exp(np.log(cell["kl"][inside]).mean()))
            worst.append(cell["rel"][inside].max())
    return kls, worst


def relative_error_figure(results):
    """The chapter's figure: relative error against the KL on the near grid, in float64.

    Parameters
    ----------
    results : dict
        The output of :func:`measure` (its float64 near-grid entries are used).

    Returns
    -------
    matplotlib.figure.Figure
        Two log-log panels (sigma inputs; log-variance input): for each form the largest
        relative error per decade of the KL, the line u/KL, and a relative error of 1.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from kltools.chapters.accuracy import measure, relative_error_figure
    >>> fig = relative_error_figure(measure(n=8, dtypes=(np.float64,), grids=("near",)))
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 12, "legend.fontsize": 10})
    fig, axes = plt.subplots(2, 1, figsize=(5.0, 7.6), sharex=True, layout="constrained")
    u64 = UNIT_ROUNDOFF["float64"]
    for ax, (title, names) in zip(axes, _PANELS.items()):
        for i, name in enumerate(names):
            cell = results["float64", name, "near"]
            kls, worst = _worst_per_decade(cell)
            top = cell["max"]
            ulps = f"$10^{{{round(math.log10(top))}}}$" if top >= 100 else f"{top:.1f}"
            ax.plot(kls, worst, "osv^D"[i] + "-", ms=4, lw=1.5, label=f"{name}: {ulps} ulp")
        kl_line = np.geomspace(1e-24, 1e-2)
        ax.plot(kl_line, u64 / kl_line, "--", color="0.5", lw=1, label="$u/\\mathrm{KL}$")
        ax.axhline(1.0, color="0.3", lw=0.8, ls=":")
        ax.set(xscale="log", yscale="log", ylim=(1e-18, 1e27), title=title,
               ylabel="relative error")
        ax.set_yticks(10.0 ** np.arange(-16, 24, 8))
        ax.legend(loc="upper right")
    axes[1].set_xlabel("KL (nats)")
    return fig


def series_terms(v_max, tol):
    """How many terms of g(v)/v^2 = sum_k v^k/(k + 2)! kltools sums for |v| <= v_max.

    The rule of ``kltools.closed_forms``: add terms while a term's bound at ``v_max`` is
    at least ``tol/4`` of the first.

    Parameters
    ----------
    v_max : float
        The largest |v| in the call.
    tol : float
        The relative tolerance of the result's precision (2^-56 for float64, 2^-32 for
        float32).

    Returns
    -------
    int
        The number of terms.

    Examples
    --------
    >>> from kltools.chapters.accuracy import series_terms
    >>> series_terms(2, 2.0**-56) > series_terms(1, 2.0**-56)
    True
    """
    n = 1
    while n < len(_G_COEFFS) and _G_COEFFS[n] * v_max**n >= 0.25 * tol * _G_COEFFS[0]:
        n += 1
    return n


def _half_ulps(got, exact, finfo):
    """|got - exact| in units of the format's spacing at the exact value."""
    tiny = float(finfo.smallest_normal)
    exponent = np.floor(np.log2(np.maximum(np.abs(exact), tiny)))
    with np.errstate(invalid="ignore"):  # inf - inf: callers drop those
        return np.abs(got - exact) / 2.0 ** (exponent - finfo.nmant)


def _no_digit_band(v64, rel):
    good = (v64 != 0) & (rel < 1)
    band = ((v64 > v64[good & (v64 < 0)].max()) & (v64 < v64[good & (v64 > 0)].min())
            & (v64 != 0))
    # the negative v beyond the band, down to minus its upper end
    strip = (v64 >= -v64[band].max()) & (v64 < v64[band].min())
    return good, band, strip


def half_precision_column(v, literal, careful, finfo):
    """One column of the half-precision table, from every finite value v of the format.

    Parameters
    ----------
    v : ndarray
        Every finite value of the 16-bit format (float16 or ml_dtypes.bfloat16).
    literal : ndarray
        The VAE form at (0, v), each operation in the format.
    careful : ndarray
        ``kl_std_normal`` at (0, v) in float32, rounded to the format.
    finfo : numpy.finfo or ml_dtypes.finfo
        The format's parameters.

    Returns
    -------
    dict
        ``u`` (significant bits), ``largest``, ``band`` (the v with no correct digit, from,
        to), ``band_kl`` (the largest exact KL there), ``band_zero`` (the fraction of 0s
        there), ``strip_none`` (the fraction without a digit beyond the band), ``exp_max``,
        ``kl_max`` (the overflow thresholds), ``careful_bound`` (the ulp bound of
        ``kl_std_normal``), ``upcast`` and ``upcast_rel`` (the errors in ulps and relative
        of the VAE form evaluated in float32 and rounded to the format,
        where the KL is finite), ``careful`` (``kl_std_normal``'s
        errors in ulps there) and ``v_finite``.

    Examples
    --------
    >>> import numpy as np
    >>> from kltools import kl_std_normal
    >>> from kltools.baselines import vae_form
    >>> from kltools.chapters.accuracy import half_precision_column
    >>> bits = np.arange(2**16, dtype=np.uint16).view(np.float16)
    >>> v = bits[np.isfinite(bits)]  # every finite float16
    >>> zero = np.zeros_like(v)
    >>> with np.errstate(over="ignore"):
    ...     literal = vae_form(zero, v)
    >>> careful = kl_std_normal(zero.astype(np.float32), v.astype(np.float32))
    >>> with np.errstate(over="ignore"):
    ...     col = half_precision_column(v, literal, careful.astype(np.float16),
    ...                                 np.finfo(np.float16))
    >>> col["u"], col["largest"], [round(float(b), 3) for b in col["band"]]
    (11, 65504.0, [-0.022, 0.031])
    """
    from kltools import expm1_minus_x

    largest, bits = float(finfo.max), finfo.nmant + 1
    with np.errstate(over="ignore"):
        upcast = baselines.vae_form(np.zeros(v.shape, np.float32), v.astype(np.float32))
        upcast = upcast.astype(v.dtype)
    v64, lit, car, up = (a.astype(np.float64) for a in (v, literal, careful, upcast))
    exact = 0.5 * expm1_minus_x(v64)
    with np.errstate(invalid="ignore"):  # inf - inf where both overflow
        rel = np.abs(lit - exact) / np.where(v64 == 0, 1.0, exact)
    good, band, strip = _no_digit_band(v64, rel)
    finite = exact <= largest
    return {
        "u": bits, "largest": largest,
        "band": (v64[band].min(), v64[band].max()), "band_kl": exact[band].max(),
        "band_zero": np.mean(lit[band] == 0), "strip_none": np.mean(~good[strip]),
        "exp_max": math.log(largest), "kl_max": math.log(2 * largest),
        # float32 (faithful), then rounded: 1/2 ulp plus one float32 ulp
        "careful_bound": 0.5 + 2.0 ** (bits - 24),
        "upcast": _half_ulps(up, exact, finfo)[finite],
        "upcast_rel": np.abs(up[finite] - exact[finite])
        / np.where(v64 == 0, 1.0, exact)[finite],
        "careful": _half_ulps(car, exact, finfo)[finite],
        "v_finite": v64[finite],
    }


def half_precision_table(f16, bf16):
    """The half-precision table (float16 and bfloat16 columns), as Markdown.

    Parameters
    ----------
    f16, bf16 : dict
        Columns from :func:`half_precision_column`.

    Returns
    -------
    str
        A Markdown table, one row per property.

    Examples
    --------
    >>> from kltools.chapters.accuracy import half_precision_table
    >>> col = {"u": 11, "largest": 65504.0, "band": (-0.02, 0.03), "band_kl": 2e-4,
    ...        "band_zero": 0.5, "exp_max": 11.09, "kl_max": 11.78, "careful_bound": 0.5}
    >>> half_precision_table(col, col).splitlines()[2]
    '| significant bits | 11 | 11 |'
    """
    def row(label, fmt):
        return f"| {label} | {fmt(f16)} | {fmt(bf16)} |"

    return "\n".join([
        "| | float16 | bfloat16 |",
        "|---|---|---|",
        row("significant bits", lambda c: f"{c['u']}"),
        row("largest value",
            lambda c: f"{c['largest']:.0f}" if c["largest"] < 1e6 else _sci(c["largest"], 2)),
        row("VAE form, in the format: no correct digit for $v$ from",
            lambda c: f"{c['band'][0]:.3g} to {c['band'][1]:.3g}"),
        row("… where the exact KL is up to", lambda c: _sci(c["band_kl"], 1)),
        row("… and the result is exactly 0 for",
            lambda c: f"{100 * c['band_zero']:.1f} % of the $v$"),
        row("$e^{v}$ overflows, and the VAE form is inf, for $v >$",
            lambda c: f"{c['exp_max']:.2f}"),
        row("the KL itself is finite up to $v \\approx$", lambda c: f"{c['kl_max']:.2f}"),
        row("the sample's $\\sigma = e^{v/2}$ overflows for $v >$",
            lambda c: f"{2 * c['exp_max']:.2f}"),
        ("| VAE form in float32, rounded to the format | ≤ 2 ulp | no digit "
         "for some $\\lvert v\\rvert < 10^{-3}$; inf at $v = 89$ |"),
        row("`kl_std_normal` (float32), rounded to the format",
            lambda c: f"≤ {c['careful_bound']:.5g} ulp"),
    ])
