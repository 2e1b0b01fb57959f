"""Search that finds the page answering what a reader types.

Sphinx's own search ranks a page by how often the words of the query occur
in it.  The words readers type ("negative KL", "log_var", "GRPO") occur on
many pages, and the page that answers the question is rarely the one that
repeats them most.  Sphinx 7.4 also matches the whole query against the
book's index entries and ranks a "main" entry that matches first (score
100 for an exact match, far above any full-text score).

``kl_search_terms`` in _config.yml maps a page to the phrases it answers.
Each phrase becomes a main index entry that points at the page's title, so
that the query returns that page first; the phrases also appear in the
book's general index.

Each page also gets a ``<meta name="description">``: its first paragraph of
prose (the short answer), with its math as plain text (``\\sigma^2`` -> σ^2).
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes

DESCRIPTION_CHARS = 200
GREEK = dict(zip(
    "alpha beta gamma delta epsilon varepsilon theta lambda mu nu pi rho sigma tau phi chi psi"
    " omega Sigma Delta".split(), "αβγδεεθλμνπρστφχψωΣΔ"))
SYMBOLS = {"approx": "≈", "pm": "±", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
           "neq": "≠", "cdot": "·", "times": "×", "infty": "∞", "Vert": "‖", "to": "→",
           "int": "∫", "sum": "∑", "mid": "|", "log": "log ", "exp": "exp ", "det": "det "}
# font and sizing commands: their argument is kept, the command dropped
DROPPED = {"mathrm", "mathcal", "mathbb", "mathbf", "text", "operatorname", "left", "right",
           "displaystyle", "big", "Big", "bigl", "bigr", "quad"}


def _add_index_entries(app, doctree):
    terms = app.config.kl_search_terms.get(app.env.docname)
    if not terms:
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not section["ids"]:
        return
    entries = [("single", term, section["ids"][0], "main", None) for term in terms]
    section.insert(1, addnodes.index(entries=entries, inline=False))
    app.env.get_domain("index").entries.setdefault(app.env.docname, []).extend(entries)


def tex_as_text(tex: str) -> str:
    """Inline TeX as plain text, good enough for a description (\\sigma_1^2 -> σ_1^2)."""
    text = re.sub(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}", r"(\1)/(\2)", tex)
    text = re.sub(r"\\mathcal\s*\{?N\}?", "𝒩", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: "" if m[1] in DROPPED else GREEK.get(
        m[1], SYMBOLS.get(m[1], m[1] + " ")), text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    return " ".join(text.replace("{", "").replace("}", "").split())


def _prose(paragraph) -> str:
    words = []
    for node in paragraph.findall(lambda n: isinstance(n, (nodes.math, nodes.Text))):
        if isinstance(node, nodes.math):
            words.append(tex_as_text(node.astext()))
        elif not any(isinstance(a, nodes.math) for a in _ancestors(node)):
            words.append(node.astext())
    return " ".join("".join(words).split())


def _ancestors(node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def description(doctree) -> str:
    """The first paragraph of prose of a page, at most DESCRIPTION_CHARS characters."""
    for paragraph in doctree.findall(nodes.paragraph):
        if any(isinstance(a, (nodes.admonition, nodes.container)) for a in _ancestors(paragraph)):
            continue
        text = _prose(paragraph)
        if len(text) >= 40:
            if len(text) > DESCRIPTION_CHARS:
                text = text[:DESCRIPTION_CHARS].rsplit(" ", 1)[0] + " …"
            return text
    return ""


def _add_description(app, pagename, templatename, context, doctree):
    if doctree is None:
        return
    text = description(doctree)
    if text:
        from html import escape

        context["metatags"] = (context.get("metatags") or "") + (
            f'\n<meta name="description" content="{escape(text, quote=True)}" />')


def setup(app):
    app.add_config_value("kl_search_terms", {}, "env", [dict])
    app.connect("doctree-read", _add_index_entries)
    app.connect("html-page-context", _add_description)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
