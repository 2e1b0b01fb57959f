"""The book's own reader-facing CSS and JavaScript (book/_static/kl-reader.*).

Jupyter Book 1 only picks up a ``_static`` folder at the book root, and this
book's root is the repository root, so the folder under ``book/`` is added to
``html_static_path`` here and the two files are registered explicitly (with
``defer``, so the script runs after the theme's and Sphinx's scripts).

What the files do is described at the top of each of them; in short:
inline math wraps after its operators instead of being cut off, tables become
one card per row on a phone, code wraps there and shows its copy button, raw
TeX is hidden until MathJax has typeset it, the phone drawers close when a
link in them is tapped, wide equations get a scroll cue, and search snippets
show the article's prose with math as text.  (The mobile sidebar also needs
``navbar_persistent``, see its comment in _config.yml.)
"""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[1] / "_static"


def _add_static_path(app, config):
    path = str(STATIC)
    if path not in config.html_static_path:
        config.html_static_path.append(path)


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.add_css_file("kl-reader.css")
    app.add_js_file("kl-reader.js", defer="defer")
    return {"parallel_read_safe": True, "parallel_write_safe": True}
