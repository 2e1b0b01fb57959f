"""The explorer for two Gaussians (book/_static/kl-explorer.{mjs,css}).

A chapter places one with a raw-HTML block in a markdown cell::

    <div data-kl-explorer="univariate" data-mu1="1" data-sigma1="2"
         data-mu2="0" data-sigma2="1"></div>

This extension

- loads ``kl-explorer.mjs`` (``type="module"``) and ``kl-explorer.css`` on the pages
  that have such a block, and on no other page;
- fills each block, at build time, with a static figure for print and for readers
  without JavaScript: the two densities at the block's initial parameters as an inline
  SVG, and both KLs from ``kltools.kl_normal``.  The module hides it when it starts.

A block whose parameters are missing, not numbers, or not positive where a standard
deviation is expected stops the build with an error naming the attribute.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
from docutils import nodes
from sphinx.errors import ExtensionError

STATIC = Path(__file__).resolve().parents[1] / "_static"
HOOK = "data-kl-explorer"
PARAMS = ("mu1", "sigma1", "mu2", "sigma2")
WIDTH, HEIGHT, PAD = 360, 170, 14


def _add_static_path(app, config):
    path = str(STATIC)
    if path not in config.html_static_path:
        config.html_static_path.append(path)


def parameters(block: str) -> dict[str, float]:
    """A block's initial (mu1, sigma1, mu2, sigma2), or ExtensionError naming the attribute."""
    values = {}
    for name in PARAMS:
        found = re.search(rf'data-{name}="([^"]*)"', block)
        try:
            values[name] = float(found.group(1)) if found else float("nan")
        except ValueError:
            values[name] = float("nan")
        if not np.isfinite(values[name]) or (name.startswith("sigma") and values[name] <= 0):
            raise ExtensionError(f"{HOOK} block: data-{name} must be a finite number"
                                 f"{' > 0' if name.startswith('sigma') else ''}")
    return values


def _polyline(xs, ys, lo, hi, top, cls):
    sx = PAD + (xs - lo) / (hi - lo) * (WIDTH - 2 * PAD)
    sy = HEIGHT - PAD - ys / top * (HEIGHT - 2 * PAD - 12)
    points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(sx, sy))
    return f'<polyline class="{cls}" fill="none" stroke-width="2" points="{points}"/>'


def static_figure(p: dict[str, float]) -> str:
    """The densities of q and p as an SVG, and both KLs from kltools, as HTML."""
    from scipy.stats import norm

    from kltools import kl_normal

    lo = min(p["mu1"] - 4 * p["sigma1"], p["mu2"] - 4 * p["sigma2"])
    hi = max(p["mu1"] + 4 * p["sigma1"], p["mu2"] + 4 * p["sigma2"])
    xs = np.linspace(lo, hi, 240)
    q_pdf, p_pdf = norm.pdf(xs, p["mu1"], p["sigma1"]), norm.pdf(xs, p["mu2"], p["sigma2"])
    top = max(q_pdf.max(), p_pdf.max())
    qp = float(kl_normal(p["mu1"], p["sigma1"], p["mu2"], p["sigma2"]))
    pq = float(kl_normal(p["mu2"], p["sigma2"], p["mu1"], p["sigma1"]))
    q_text = f"q = N({p['mu1']:g}, {p['sigma1']:g}²)"
    p_text = f"p = N({p['mu2']:g}, {p['sigma2']:g}²)"
    svg = (f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img" '
           f'aria-label="{html.escape(q_text)} (solid) and {html.escape(p_text)} (dashed)">'
           f'<line x1="{PAD}" x2="{WIDTH - PAD}" y1="{HEIGHT - PAD}" y2="{HEIGHT - PAD}" '
           'stroke="currentColor"/>'
           + _polyline(xs, q_pdf, lo, hi, top, "kl-x-q")
           + _polyline(xs, p_pdf, lo, hi, top, "kl-x-p").replace("/>", ' stroke-dasharray="6 4"/>')
           + f'<text x="{PAD}" y="14" font-size="13" fill="currentColor">'
           f'{html.escape(q_text)} solid, {html.escape(p_text)} dashed</text></svg>')
    return (f'<figure class="kl-x-static">{svg}<figcaption>{html.escape(q_text)} and '
            f'{html.escape(p_text)}: KL(q‖p) = {qp:.4g} nats, KL(p‖q) = {pq:.4g} nats '
            "(computed by kltools when the book was built). With JavaScript on, this is an "
            "explorer: sliders and fields for the four parameters.</figcaption></figure>")


def _fill_blocks(app, doctree, docname):
    for node in list(doctree.findall(nodes.raw)):
        text = node.astext()
        if "html" not in node.get("format", "").split() or HOOK not in text:
            continue
        start = re.search(rf"<div[^>]*{HOOK}[^>]*>", text)
        if start is None:
            raise ExtensionError(f"{docname}: the {HOOK} attribute must be on a <div>")
        figure = static_figure(parameters(start.group(0)))
        filled = text[: start.end()] + figure + text[start.end():]
        node.replace_self(nodes.raw("", filled, format="html"))


def _load_assets(app, pagename, templatename, context, doctree):
    if HOOK in context.get("body", ""):
        app.add_css_file("kl-explorer.css")
        app.add_js_file("kl-explorer.mjs", type="module")


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.connect("doctree-resolved", _fill_blocks)
    app.connect("html-page-context", _load_assets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
