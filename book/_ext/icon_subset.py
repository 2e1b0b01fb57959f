"""Font Awesome, cut down to the icons the built pages use.

pydata-sphinx-theme 0.17.1 puts all of Font Awesome 6 on every page twice:
``scripts/fontawesome.js`` (1.5 MB, every icon as SVG data, which replaces
each ``<i class="fa-...">`` with an inline SVG) and the three web fonts that
its stylesheet declares (the solid and brands fonts alone are 270 KB).  The
pages use about twenty icons.

After the build this extension

- collects the icons the site uses: the ``fa-*`` classes in the built HTML
  (header buttons, launch buttons, theme switch), looked up in the theme's
  stylesheet, plus every icon character that a stylesheet of the site puts in
  a ``content`` (admonition titles, dropdown chevrons, the exercise pencil);
- writes the three fonts with those glyphs only (fontTools, which matplotlib
  already needs) as ``_static/kl-icons/*.woff`` and declares them in
  ``_static/kl-icons.css``, loaded after the theme's stylesheet, so that its
  ``@font-face`` rules are the ones the browser uses;
- replaces ``scripts/fontawesome.js`` with a one-line stub: the web font
  draws the same icons from the same ``<i>`` elements.

tests/test_browser.py checks the page weight and that every icon is drawn.
"""

from __future__ import annotations

import re
from pathlib import Path

CSS_NAME = "kl-icons.css"
FONTS = {  # file stem in the theme's vendor folder: (font-family, font-weight)
    "fa-solid-900": ("Font Awesome 6 Free", 900),
    "fa-regular-400": ("Font Awesome 6 Free", 400),
    "fa-brands-400": ("Font Awesome 6 Brands", 400),
}
_ICON_RULE = re.compile(r"((?:\.fa-[\w-]+:(?:before|after),?)+)\{content:\"\\([0-9a-f]{4})\"\}")
_CLASS_ATTR = re.compile(r'class="([^"]*\bfa-[^"]*)"')
_ESCAPE = re.compile(r"\\([ef][0-9a-f]{3})\b")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
STUB = (b"/* Font Awesome's SVG script is not needed: the icons are drawn by the subset web fonts"
        b" of kl-icons.css (book/_ext/icon_subset.py). */\n")


def icon_codepoints(html_files, css_files, theme_css: str) -> set[int]:
    """The code points of the icons the pages use."""
    by_class = {}
    for selectors, code in _ICON_RULE.findall(theme_css):
        for name in re.findall(r"\.(fa-[\w-]+):", selectors):
            by_class[name] = int(code, 16)
    points = set()
    for path in html_files:
        for classes in _CLASS_ATTR.findall(path.read_text(encoding="utf-8", errors="replace")):
            points |= {by_class[c] for c in classes.split() if c in by_class}
    for path in css_files:
        css = _ICON_RULE.sub("", path.read_text(encoding="utf-8", errors="replace"))
        points |= {int(code, 16) for code in _ESCAPE.findall(css)}
        points |= {ord(ch) for ch in _PRIVATE_USE.findall(css)}
    return points


def _subset(source: Path, target: Path, points: set[int]) -> None:
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"
    options.layout_features = []
    options.name_IDs = []
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(points))
    subsetter.subset(font)
    subset.save_font(font, str(target), options)


def _font_face(stem: str) -> str:
    family, weight = FONTS[stem]
    return (f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: {weight}; '
            f'font-display: block; src: url("kl-icons/{stem}.woff") format("woff"); }}\n')


def _write_subsets(app, exception) -> None:
    if exception or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    theme_css = static / "styles" / "pydata-sphinx-theme.css"
    fonts = static / "vendor" / "fontawesome" / "webfonts"
    if not theme_css.exists() or not fonts.is_dir():
        return
    css_files = [p for p in static.rglob("*.css") if p.name != CSS_NAME]
    points = icon_codepoints(out.rglob("*.html"), css_files, theme_css.read_text(encoding="utf-8"))
    (static / "kl-icons").mkdir(exist_ok=True)
    faces = []
    for stem in FONTS:
        source = fonts / f"{stem}.ttf"
        if source.exists():
            _subset(source, static / "kl-icons" / f"{stem}.woff", points)
            faces.append(_font_face(stem))
    header = f"/* Font Awesome subset: {len(points)} icons (book/_ext/icon_subset.py). */\n"
    (static / CSS_NAME).write_text(header + "".join(faces), encoding="utf-8")
    script = static / "scripts" / "fontawesome.js"
    if script.exists():
        script.write_bytes(STUB)


def setup(app):
    app.add_css_file(CSS_NAME)
    app.connect("build-finished", _write_subsets)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
