"""Drop exact duplicates from each page's script list.

sphinx-thebe 0.3.1 (pulled in by Jupyter Book 1) registers its inline
configuration script with ``app.add_js_file`` after the HTML builder has
copied the asset registry, and on Sphinx 7.4 the script then appears twice on
every page.  The second copy re-declares ``const THEBE_JS_URL`` and is a
SyntaxError in the browser.  The browser test (tests/test_browser.py) catches
it; this extension removes the duplicate until sphinx-thebe is fixed.
"""

from __future__ import annotations


def _key(script) -> tuple:
    # the two copies differ only in filename None vs "" (an inline script either way)
    filename = getattr(script, "filename", str(script)) or ""
    attributes = getattr(script, "attributes", {}) or {}
    return (filename, tuple(sorted((k, str(v)) for k, v in attributes.items())))


def _unique_scripts(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        key = _key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    # after other handlers, so it sees the final list
    app.connect("html-page-context", _unique_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
