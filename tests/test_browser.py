"""Every page of the built book in a real browser, as a reader uses it: headless Chromium, offline.

The site is served from 127.0.0.1 and every page is opened twice:

- desktop, 1280 x 800 (a common laptop screen), dark mode;
- phone, 390 x 844, touch, light mode.

Each check is its own test, parametrized by page (and width), so a report
shows exactly which page fails which check:

- ``test_page_renders``: no console error and no failed request (at both
  widths, so in dark and in light mode); MathJax (the local copy) typesets
  every math element with no error node; every image loads; every internal
  link and anchor resolves.
- ``test_phone_navigation``: tapping the visible primary-sidebar toggle (☰)
  shows the table of contents, and tapping a chapter link in it navigates.
- ``test_equations_fit``: at 390 and 1280 px, a display equation either fits
  its column or scrolls inside its own box that fits, and its number is
  visible: inside the column, not clipped, not covered, not drawn over the
  formula.
- ``test_tables_fit``: no table is wider than the column unless it is in a
  horizontal scroll container that fits the column and is no taller than the
  screen (so its scrollbar is in view with the table).
- ``test_code_fits_the_column``: at 1280 px no visible code line or output
  line is cut at the right edge (80 characters fit).
- ``test_no_raw_reprs``: no output shows a raw Python, numpy or sympy repr.
- ``test_printed_output_is_one_box``: a cell's printed lines are one output
  box, not one box per write (``nb_merge_streams``).
- ``test_each_result_shown_once``: a sympy result shown as a cell's bare
  output is not also a numbered equation on the page.
- ``test_no_typesetting_slips_or_placeholders``: no TeX that MathJax 3
  renders wrongly ("overeverything", "expm 1", KL(q | p)) and no
  placeholder such as "<repository URL>" in the text.
- ``test_tables_fit_the_column_on_desktop``: at 1280 px no table needs
  sideways scrolling.
- ``test_figure_text_legible_on_a_phone``: figure text renders at >= 9 px on
  a 390 px phone.
- ``test_dark_mode``: the theme is dark, and every figure sits on a light
  background.

- ``test_inline_math_is_never_cut_off``: at 390 and 1280 px every inline
  formula is seen whole (it wraps after an operator).
- ``test_phone_page_does_not_scroll_sideways``: at 390 px the page is no
  wider than the screen.
- ``test_phone_tables_show_every_column``: at 390 px every table cell is in
  view without scrolling sideways, with its column's header beside it.
- ``test_code_fits_a_phone``: at 390 px no code or output line is cut, and
  every unfolded code cell shows its copy button.
- ``test_contents_drawer_closes_on_a_tap``: the page's Contents drawer closes
  when a section in it is tapped.
- ``test_page_weight``: what a phone downloads for a page, gzipped, stays
  within PAGE_WEIGHT_BUDGET.
- ``test_display_equations_over_width_only_shrink``: the display equations
  that need sideways scrolling at 390 px are exactly those listed in
  tests/browser/equations_over_width.json (a ratchet).

Plus site-wide checks: one search box and a working ☰ on desktop, search
snippets without raw TeX, the answer page first for what readers type, no
raw TeX on screen while MathJax is still typesetting, bibliography labels
that match the author-year citations, chapter numbers on the cheat sheet's
equations.

The JavaScript that measures each page is in tests/browser/*.js.

Chromium is Debian's package, driven by Playwright with the system executable
(no browser download).  Without Chromium the tests are skipped, with the
command that installs it, unless KLTOOLS_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import functools
import gzip
import html as html_lib
import json
import http.server
import os
import re
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

# tests/conftest.py schedules this module on the worker that builds the book (scope "book")

ROOT = Path(__file__).resolve().parents[1]
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next(
    (
        p
        for p in [*(shutil.which(c) for c in _CANDIDATES), "/usr/bin/chromium"]
        if p and os.path.exists(p)
    ),
    None,
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if CHROMIUM is None:
    if os.environ.get("KLTOOLS_REQUIRE_BROWSER"):
        pytest.fail("KLTOOLS_REQUIRE_BROWSER is set but no chromium was found", pytrace=False)
    pytest.skip(
        "no chromium found; install it with `apt-get install chromium` (Debian) "
        "to run the browser test",
        allow_module_level=True,
    )

DESKTOP = dict(viewport={"width": 1280, "height": 800})  # a common laptop screen
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
# Two visits per page keep the test fast: the desktop one in dark mode, the phone one
# in light mode.  Geometry does not depend on the colour scheme, and either visit
# fails on a console error.
MODES = {
    "desktop-dark": dict(DESKTOP, color_scheme="dark"),
    "phone": dict(PHONE, color_scheme="light"),
}
WIDTHS = {"390": "phone", "1280": "desktop-dark"}
MIN_FIGURE_TEXT_PX = 9.0  # "text at least about 9 px at the rendered size on a phone"
MATPLOTLIB_TEXT_PT = (
    10.0  # matplotlib's default size for tick labels and legends (rcParams font.size)
)


def toc_pages() -> list[str]:
    """The pages the book consists of, from _toc.yml, plus the search and index pages."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return [f"{f}.html" for f in files] + ["search.html", "genindex.html"]


PAGES = toc_pages()
CHAPTERS = [p for p in PAGES if p.startswith("book/")]


class _Ids(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for key, value in attrs:
            if key in ("id", "name") and value:
                self.ids.add(value)


@functools.lru_cache(maxsize=None)
def ids_in(path: Path) -> frozenset:
    parser = _Ids()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return frozenset(parser.ids)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    html, _ = built_book
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield html, f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield b
        b.close()


# --------------------------------------------------------------------------------------
# What the page's JavaScript measures (tests/browser/*.js).  Each check returns a list
# of problems (strings).  The column helpers (column.js) are shared by the checks that
# place an element in the article column.

JS_DIR = Path(__file__).resolve().parent / "browser"


def js(name: str) -> str:
    """The JavaScript function in tests/browser/<name>, with column.js pasted in where named."""
    source = (JS_DIR / name).read_text(encoding="utf-8")
    return source.replace("/* column.js */", (JS_DIR / "column.js").read_text(encoding="utf-8"))


WAIT_FOR_MATH = js("wait_for_math.js")
MATH_CHECK = js("math.js")
IMAGE_CHECK = js("images.js")
EQUATION_CHECK = js("equations.js")
TABLE_CHECK = js("tables.js")
CODE_CHECK = js("code_lines.js")
# The text a reader sees in each output: printed text (stream), a bare text/plain
# result, and rendered Markdown/HTML outputs and glued values without their code
# spans (inline code is deliberate) and math.
OUTPUT_TEXT = js("output_text.js")
STREAM_CHECK = js("streams.js")
FIGURES = js("figures.js")
DARK_CHECK = js("dark.js")
SIDEBAR_IS_OPEN = js("sidebar_is_open.js")
CONTENTS_IS_OPEN = (
    "() => { const d = document.querySelector('#pst-secondary-sidebar-modal');"
    " return !!(d && d.open); }"
)
SIDEBAR_LINKS = js("sidebar_links.js")
INLINE_MATH_CHECK = js("inline_math.js")
TABLE_CELLS_CHECK = js("table_cells.js")
PAGE_WIDTH_CHECK = js("page_width.js")
COPY_BUTTONS = js("copy_buttons.js")
RAW_TEX = js("raw_tex.js")
EQUATION_FIT = js("equation_fit.js")
SEARCH_RESULTS = js("search_results.js")
# Stands in for MathJax that has loaded but not finished typesetting.
MATHJAX_STILL_TYPESETTING = "window.MathJax = {startup: {promise: new Promise(() => {})}};"


# --------------------------------------------------------------------------------------
# Raw reprs in outputs.  Each pattern is what a reader should never see in a book.

REPR_PATTERNS = [
    (
        "a numpy scalar repr",
        re.compile(r"\bnp\.(?:float|int|uint|complex|bool|str)\w*\(|\bnumpy\.\w+\("),
    ),
    ("a numpy array repr", re.compile(r"\barray\(\[")),
    (
        "a printed numpy array",
        re.compile(r"\[\s*[-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|nan|inf)\s+[-+]?(?:\d|nan\b|inf\b)"),
    ),
    ("a Python list of strings", re.compile(r"""\[\s*(['"])[^'"\n]*\1\s*[,\]]""")),
    (
        "a Python dict",
        re.compile(r"""\{\s*(['"])[^'"\n]+\1\s*:|\{\s*[A-Za-z_]\w*\s*:\s*[-+]?\d"""),
    ),
    ("sympy's ** power", re.compile(r"\*\*")),
    ("sympy's sqrt(", re.compile(r"\bsqrt\(")),
    ("a sympy constructor", re.compile(r"\b(?:Eq|Symbol|Matrix|Piecewise|Integral|Rational)\(")),
    (
        "an object repr",
        re.compile(
            r"<[\w.]+ (?:object )?at 0x[0-9a-fA-F]+>|<Figure size|<matplotlib\.|\[<matplotlib"
        ),
    ),
]
RESULT_PATTERNS = [  # a bare text/plain result that is a Python container or string
    ("a tuple/list/dict result", re.compile(r"^\s*[\[({]")),
    ("a string result", re.compile(r"""^\s*(['"]).*\1\s*$""", re.S)),
]


def raw_reprs(items) -> list[str]:
    problems = []
    for kind, text in items:
        patterns = REPR_PATTERNS + (RESULT_PATTERNS if kind == "result" else [])
        for what, pattern in patterns:
            m = pattern.search(text)
            if m:
                line = text[text.rfind("\n", 0, m.start()) + 1 :].split("\n", 1)[0].strip()
                problems.append(f"{kind} output shows {what}: {line[:90]!r}")
                break
    return problems


# --------------------------------------------------------------------------------------
# Figure text size: from the image file and its rendered width.

_SCRIPT = 0.7  # matplotlib mathtext draws sub- and superscripts at 0.7 of the base size


def _svg_text_sizes(svg: str) -> tuple[float, list[float]]:
    """(viewBox width, font sizes in user units) of a matplotlib SVG (text as text or as paths)."""
    box = re.search(r'viewBox="[\d.\-]+ [\d.\-]+ ([\d.]+) [\d.]+"', svg)
    width = float(box.group(1)) if box else float(re.search(r'width="([\d.]+)', svg).group(1))
    sizes = [float(s) for s in re.findall(r"font-size:\s*([\d.]+)px", svg)]
    sizes += [float(s) for s in re.findall(r"font:\s*(?:\w+\s+)*([\d.]+)px", svg)]
    sizes += [
        100 * float(s) for s in re.findall(r"scale\(([\d.]+) -[\d.]+\)", svg)
    ]  # text as paths: scale = size / 100
    return width, sizes


def smallest_figure_text_px(
    path: Path, rendered_width: float, natural_width: float
) -> tuple[float, str]:
    """Estimated smallest text size, in CSS px, of a figure as rendered."""
    if path.suffix.lower() == ".svg":
        width, sizes = _svg_text_sizes(path.read_text(encoding="utf-8", errors="replace"))
        base = [
            s for s in set(sizes) if not any(abs(s - _SCRIPT * t) < 0.05 * t for t in sizes)
        ] or sizes
        if not base:
            return float("inf"), "SVG without text"
        return min(
            base
        ) * rendered_width / width, f"{min(base):g} pt text in a {width:g} pt wide SVG"
    from PIL import Image

    with Image.open(path) as im:
        dpi = float((im.info.get("dpi") or (100, 100))[0]) or 100.0
        natural = natural_width or im.size[0]
    px = MATPLOTLIB_TEXT_PT * dpi / 72 * rendered_width / natural
    return (
        px,
        f"{natural} px wide PNG at {dpi:.0f} dpi ({natural / dpi:.1f} in), "
        f"matplotlib's {MATPLOTLIB_TEXT_PT:g} pt text",
    )


# --------------------------------------------------------------------------------------
# One visit per page and mode; the checks share it.


class Inspector:
    def __init__(self, browser, html_dir: Path, base: str):
        self.browser, self.html_dir, self.base = browser, html_dir, base
        self._contexts: dict = {}
        self._cache: dict = {}

    def context(self, mode):
        if mode not in self._contexts:
            self._contexts[mode] = self.browser.new_context(**MODES[mode])
        return self._contexts[mode]

    def close(self):
        for c in self._contexts.values():
            c.close()

    def get(self, mode: str, page_path: str) -> dict:
        key = (mode, page_path)
        if key not in self._cache:
            self._cache[key] = getattr(self, f"_visit_{mode.replace('-', '_')}")(page_path)
        return self._cache[key]

    def _open(self, mode, page_path):
        errors: list[str] = []
        page = self.context(mode).new_page()
        page.on(
            "console",
            lambda msg: msg.type == "error" and errors.append(f"console error: {msg.text}"),
        )
        page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
        page.on(
            "requestfailed",
            lambda req: errors.append(f"failed request: {req.url} ({req.failure})"),
        )
        page.on(
            "response",
            lambda resp: resp.status >= 400 and errors.append(f"HTTP {resp.status}: {resp.url}"),
        )
        page.goto(self.base + page_path, wait_until="load")
        page.evaluate(WAIT_FOR_MATH)
        return page, errors

    def _links(self, page) -> list[str]:
        problems = []
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            url, fragment = urldefrag(href)
            if not url.startswith(self.base):
                continue  # external: repository, Binder, Colab buttons
            target = self.html_dir / unquote(urlparse(url).path[len(urlparse(self.base).path) :])
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                problems.append(f"broken link: {href}")
            elif fragment and target.suffix == ".html" and unquote(fragment) not in ids_in(target):
                problems.append(f"missing anchor: {href}")
        return problems

    @staticmethod
    def _math_problems(math) -> list[str]:
        problems = []
        if math["count"] and not math["mathjax"]:
            problems.append("MathJax did not load")
        if math["untypeset"]:
            problems.append(
                f"{len(math['untypeset'])} math element(s) not typeset, "
                f"e.g. {math['untypeset'][0]!r}"
            )
        if math["errors"]:
            problems.append(f"{math['errors']} MathJax error node(s)")
        return problems

    def _visit_desktop_dark(self, page_path):
        page, errors = self._open("desktop-dark", page_path)
        math = page.evaluate(MATH_CHECK)
        renders = errors + self._math_problems(math)
        renders += [f"image did not load: {src}" for src in page.evaluate(IMAGE_CHECK)]
        renders += self._links(page)
        tables = page.evaluate(TABLE_CHECK)
        result = {
            "renders": renders,
            "dark": page.evaluate(DARK_CHECK),
            "math_count": math["count"],
            "equations": page.evaluate(EQUATION_CHECK),
            "tables": tables["problems"],
            "wide_tables": tables["wide"],
            "code": page.evaluate(CODE_CHECK),
            "inline": page.evaluate(INLINE_MATH_CHECK),
            "reprs": raw_reprs(page.evaluate(OUTPUT_TEXT)),
            "streams": page.evaluate(STREAM_CHECK),
        }
        page.close()
        return result

    def _visit_phone(self, page_path):
        page, errors = self._open("phone", page_path)
        math = page.evaluate(MATH_CHECK)
        result = {
            "renders": errors
            + self._math_problems(math)
            + [f"image did not load: {src}" for src in page.evaluate(IMAGE_CHECK)],
            "equations": page.evaluate(EQUATION_CHECK),
            "equation_fit": page.evaluate(EQUATION_FIT),
            "tables": page.evaluate(TABLE_CHECK)["problems"],
            "table_cells": page.evaluate(TABLE_CELLS_CHECK),
            "inline": page.evaluate(INLINE_MATH_CHECK),
            "page_width": page.evaluate(PAGE_WIDTH_CHECK),
            "code": page.evaluate(CODE_CHECK) + page.evaluate(COPY_BUTTONS),
            "figures": page.evaluate(FIGURES),
            "weight": self._gzip_bytes(
                page.evaluate(
                    "() => performance.getEntriesByType('resource').map(e => e.name)"
                    ".concat([location.href])"
                )
            ),
        }
        seen = len(errors)
        result["contents"] = self._tap_contents(page) + errors[seen:]
        seen = len(errors)
        result["navigation"] = (
            self._tap_navigation(page) + errors[seen:]
        )  # and any error the taps raised
        page.close()
        return result

    def _gzip_bytes(self, urls) -> dict:
        """Per file the page loaded from the site: its size gzipped (as a server would send it)."""
        sizes = {}
        for url in set(urls):
            path = urlparse(url).path
            if not url.startswith(self.base) or not path:
                continue
            file = self.html_dir / unquote(path[len(urlparse(self.base).path) :])
            if file.is_file():
                sizes[str(file.relative_to(self.html_dir))] = _gzip_size(file)
        return sizes

    def _tap_contents(self, page) -> list[str]:
        """The page's "Contents" drawer closes when a section in it is tapped."""
        toggle = page.locator(".secondary-toggle:visible")
        if toggle.count() == 0:
            return []  # a page without sections has no Contents drawer
        toggle.first.tap()
        try:
            page.wait_for_function(CONTENTS_IS_OPEN, timeout=3000)
        except Exception:
            return ["tapping Contents did not open the page's table of contents"]
        link = page.locator("#pst-secondary-sidebar-modal nav a[href^='#']:visible")
        if link.count() == 0:
            return ["the Contents drawer shows no section link"]
        try:
            link.nth(link.count() // 2).tap(timeout=5000)
        except Exception:
            return [
                "a section link in the Contents drawer cannot be tapped (covered or off screen)"
            ]
        try:
            page.wait_for_function(f"() => !({CONTENTS_IS_OPEN})()", timeout=3000)
        except Exception:
            page.evaluate("() => document.querySelector('#pst-secondary-sidebar-modal').close()")
            return ["the Contents drawer stays open after a section in it is tapped"]
        return []

    def _tap_navigation(self, page) -> list[str]:
        toggles = page.locator(".primary-toggle:visible")
        if toggles.count() == 0:
            return ["no visible primary-sidebar toggle (☰) on a 390 px phone"]
        toggles.first.tap()
        try:
            page.wait_for_function(SIDEBAR_IS_OPEN, timeout=3000)
        except Exception:
            return ["tapping the primary-sidebar toggle (☰) did not open the navigation"]
        here = urldefrag(page.url)[0]
        links = page.evaluate(SIDEBAR_LINKS)
        others = [link for link in links if urldefrag(link["url"])[0] != here]
        if not others:
            return [
                "the navigation opened but shows no chapter link to another page "
                f"({len(links)} links visible)"
            ]
        link = others[len(others) // 2]
        target = urldefrag(link["url"])[0]
        # The chapter itself is not loaded again: its request is answered with a stub
        # page, which is enough to see that the tap navigated (and a page closed in
        # the middle of a real load can hang Playwright).
        page.route(
            target,
            lambda route: route.fulfill(
                status=200, content_type="text/html", body="<!doctype html><title>stub</title>"
            ),
        )
        try:
            with page.expect_navigation(wait_until="load", timeout=5000):
                page.locator(
                    "#pst-primary-sidebar-modal nav.bd-docs-nav a.reference.internal"
                ).nth(link["index"]).tap()
        except Exception:
            return [
                f"tapping the chapter link {link['text']!r} in the navigation did not navigate"
            ]
        if urldefrag(page.url)[0] != target:
            return [f"tapping {link['text']!r} went to {page.url}, not {target}"]
        return []


@functools.lru_cache(maxsize=None)
def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), compresslevel=6))


@pytest.fixture(scope="module")
def inspector(site, browser):
    html_dir, base = site
    ins = Inspector(browser, html_dir, base)
    yield ins
    ins.close()


def _report(page_path, problems):
    return f"{page_path}:\n  " + "\n  ".join(problems)


# --------------------------------------------------------------------------------------
# The checks, one test per page (and width).


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_page_renders(site, inspector, page_path, width):
    """No console error or failed request; MathJax typesets all; images load; links resolve."""
    html_dir, _ = site
    assert (html_dir / page_path).exists(), f"{page_path} was not built"
    problems = inspector.get(WIDTHS[width], page_path)["renders"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_phone_navigation(inspector, page_path):
    """On a 390 px touch screen, ☰ opens the contents and a chapter link in it navigates."""
    problems = inspector.get("phone", page_path)["navigation"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_equations_fit(inspector, page_path, width):
    """A display equation fits its column or scrolls in its own box; its number is in view."""
    problems = inspector.get(WIDTHS[width], page_path)["equations"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_tables_fit(inspector, page_path, width):
    """No table is wider than the column outside a scroll container whose scrollbar is in view."""
    problems = inspector.get(WIDTHS[width], page_path)["tables"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_tables_fit_the_column_on_desktop(inspector, page_path):
    """At 1280 px a table fits the column: scrolling sideways is for phones, not desktops."""
    problems = inspector.get(WIDTHS["1280"], page_path)["wide_tables"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_code_fits_the_column(inspector, page_path):
    """At 1280 px, 80 characters fit: no visible code or output line is cut at the right edge."""
    problems = inspector.get(WIDTHS["1280"], page_path)["code"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_no_raw_reprs(inspector, page_path):
    """No output shows a raw Python, numpy or sympy repr."""
    problems = inspector.get(WIDTHS["1280"], page_path)["reprs"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_printed_output_is_one_box(inspector, page_path):
    """A cell's printed lines are one output box, not one per write (nb_merge_streams)."""
    problems = inspector.get(WIDTHS["1280"], page_path)["streams"]
    assert not problems, _report(page_path, problems)


# Typesetting slips in the TeX that MathJax receives, and placeholders in the text.
_MATH_TEX = re.compile(
    r'<(?:span|div) class="[^"]*\bmath notranslate nohighlight"[^>]*>(.*?)</(?:span|div)>', re.S
)
_TEXT_GROUP = re.compile(r"\\(?:text|textrm|textit|textbf|mbox)\s*\{([^{}]*)\}")
_SLIPS = [
    (
        re.compile(r"\\operatorname\*?\s*\{\s*[A-Za-z]+\d+\s*\}"),
        "MathJax 3 splits the digits off an \\operatorname ('expm 1(d)'): write \\mathrm{expm1}",
    ),
    (
        re.compile(
            r"\\mathrm\s*\{\s*KL\s*\}\s*\((?:[^()|\\]|\\[a-z,;: ]+|\\[^|])*(?<!\\)\|(?!\|)"
        ),
        "KL with a single bar, KL(q | p): write \\| (in a Markdown table, \\Vert, "
        "since | splits the cell)",
    ),
]
_PLACEHOLDER = re.compile(
    r"<[A-Za-z][\w .-]{0,30}\b(?:URL|url|path|name|here)>|\b(?:TODO|FIXME|XXX)\b"
)


@pytest.mark.parametrize("page_path", PAGES)
def test_no_typesetting_slips_or_placeholders(site, page_path):
    """Math that renders wrongly in MathJax 3, and placeholder text a reader would see.

    - a line break inside \\text{...}: MathJax drops it ("summed over" +
      "everything" -> "overeverything");
    - \\operatorname{expm1}: rendered "expm 1";
    - KL(q | p) with a single bar;
    - a placeholder such as "<repository URL>" or TODO in the page text.
    """
    html_dir, _ = site
    page = (html_dir / page_path).read_text(encoding="utf-8")
    problems = []
    for raw in _MATH_TEX.findall(page):
        tex = html_lib.unescape(re.sub(r'<span class="eqno">.*?</a></span>', "", raw, flags=re.S))
        for group in _TEXT_GROUP.findall(tex):
            if "\n" in group:
                before, after = group.split("\n", 1)
                shown = " ".join(group.split())
                problems.append(
                    f"a line break inside \\text{{{shown[:50]}}} is dropped by MathJax: "
                    "the reader sees "
                    f'"{(before.split() or [""])[-1] + (after.split() or [""])[0]}"'
                )
        for pattern, why in _SLIPS:
            m = pattern.search(tex)
            if m:
                problems.append(f"{why}: found {m.group(0)[:60]}")
    main = re.search(r"<main[^>]*>(.*?)</main>", page, re.S)
    text = html_lib.unescape(
        re.sub(
            r"<[^>]+>",
            " ",
            re.sub(r"<(script|style)\b.*?</\1>", "", main.group(1) if main else page, flags=re.S),
        )
    )
    problems += [
        f'placeholder in the text: "{" ".join(m.group(0).split())}"'
        for m in _PLACEHOLDER.finditer(text)
    ]
    assert not problems, _report(page_path, problems)


def _tex(text: str) -> str:
    text = html_lib.unescape(text)
    return re.sub(r"\\displaystyle|\\begin\{split\}|\\end\{split\}|\\\[|\\\]|\$\$|\s+", "", text)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_each_result_shown_once(site, page_path):
    """A sympy result shown as a cell's bare output is not also a numbered equation on the page.

    (A cell whose result is glued as a numbered equation must not also end with
    the bare expression: the reader sees the formula twice.)
    """
    html_dir, _ = site
    page = (html_dir / page_path).read_text(encoding="utf-8")
    outputs = re.findall(
        r'<div class="output text_latex math notranslate nohighlight">\s*(.*?)</div>', page, re.S
    )
    numbered = re.findall(
        r'<div class="[^"]*math notranslate nohighlight" id="(equation-[^"]*)">\s*'
        r'<span class="eqno">\(([^)<]*)\).*?</span>(.*?)</div>',
        page,
        re.S,
    )
    problems = []
    for out in outputs:
        tex = _tex(out)
        if len(tex) < 8:
            continue
        twin = next((number for _, number, eq in numbered if tex in _tex(eq)), None)
        if twin:
            shown = re.sub(r"\\displaystyle|\\\[|\\\]|\s+", " ", html_lib.unescape(out)).strip()
            problems.append(
                f"a cell's bare output shows {shown[:60]} ..., which is also equation ({twin})"
            )
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_figure_text_legible_on_a_phone(site, inspector, page_path):
    """Figure text renders at >= 9 px on a 390 px phone.

    From the image file and its rendered width: an SVG's own font sizes
    (matplotlib's sub- and superscripts excepted); for a PNG, whose text
    cannot be measured, matplotlib's default 10 pt text at the PNG's dpi (a
    PNG with larger fonts should be an SVG, which is measured exactly).  The
    fix is the figure size (about 5 in wide or less at 10 pt) or SVG output,
    not a lower dpi, which only blurs the same small text.
    """
    html_dir, _ = site
    problems = []
    for fig in inspector.get("phone", page_path)["figures"]:
        src = urldefrag(fig["src"])[0]
        path = (html_dir / page_path).parent / unquote(src)
        if not path.exists() or path.suffix.lower() not in (".png", ".svg"):
            continue
        px, why = smallest_figure_text_px(path.resolve(), fig["width"], fig["natural"])
        if px < MIN_FIGURE_TEXT_PX:
            number = re.match(r"Fig\.\s*[\d.]*\d", fig["caption"])
            name = number.group(0) if number else (fig["alt"] or src)
            problems.append(
                f"figure {name!r}: text renders at about {px:.1f} px on a 390 px phone "
                f"(shown {fig['width']:.0f} px wide; {why})"
            )
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_dark_mode(inspector, page_path):
    """Dark mode: the theme is dark, and every figure sits on a light background.

    (Console errors, failed requests, MathJax and images in dark mode are
    test_page_renders[...-1280], which loads the page in dark mode.)
    """
    problems = inspector.get("desktop-dark", page_path)["dark"]
    assert not problems, _report(page_path, problems)


# --------------------------------------------------------------------------------------
# Site-wide checks and positive controls.


def test_math_is_typeset_on_a_chapter(inspector):
    """A positive control: the checks above see real, typeset math."""
    result = inspector.get("desktop-dark", "book/univariate-kl.html")
    assert result["math_count"] > 20 and not result["renders"]


def test_one_search_box_and_a_working_toggle_on_desktop(site, browser):
    """One search field on desktop, and the article's ☰ hides and shows the sidebar."""
    _, base = site
    page = browser.new_page(**DESKTOP)
    page.goto(base + "book/univariate-kl.html", wait_until="load")
    searches = page.locator(
        ".search-button-field:visible, .search-button:visible, input[type=search]:visible"
    ).count()
    toggle = page.locator(".primary-toggle:visible")
    assert toggle.count() == 1, f"{toggle.count()} visible primary-sidebar toggles"
    sidebar = page.locator("#pst-primary-sidebar")
    toggle.first.click()
    page.wait_for_timeout(400)
    hidden = not sidebar.is_visible() or "pst-sidebar-hidden" in (
        sidebar.get_attribute("class") or ""
    )
    page.close()
    assert searches == 1, f"{searches} search boxes on desktop"
    assert hidden, "clicking the primary-sidebar toggle at 1280 px did not hide the sidebar"


def test_search_snippets_show_math_as_text(site, browser):
    """Search result snippets show math as text (σ₁²), never raw TeX (\\sigma_1^2)."""
    _, base = site
    page = browser.new_page(**DESKTOP)
    page.goto(base + "search.html?q=variance", wait_until="load")
    page.wait_for_selector("#search-results li p.context", timeout=20_000)
    try:  # all results listed, and each one's snippet fetched (a result may have none)
        page.wait_for_function(
            """() => /found/i.test(
                (document.querySelector('#search-results .search-summary') || {})
                  .textContent || '')
              && document.querySelectorAll('#search-results li p.context').length
                 === document.querySelectorAll('#search-results li').length""",
            timeout=15_000,
        )
    except Exception:
        pass
    snippets = page.eval_on_selector_all(
        "#search-results li p.context", "els => els.map(e => e.textContent)"
    )
    page.close()
    assert len(snippets) >= 3
    raw = [s for s in snippets if re.search(r"\\[A-Za-z]+|\\[()\[\]]|[_^]\{", s)]
    assert not raw, "raw TeX in search snippets:\n" + "\n".join(s.strip()[:160] for s in raw)
    assert any(re.search("[σμΣ]", s) for s in snippets), snippets


def test_search_finds_a_chapter(site, browser):
    _, base = site
    page = browser.new_page()
    page.goto(base + "search.html?q=entropy", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.eval_on_selector_all(
        "#search-results li a", "els => els.map(e => e.getAttribute('href'))"
    )
    page.close()
    assert any("gaussian-entropy" in h for h in hits), hits


def test_citations_match_bibliography_labels(site):
    """The bibliography's labels read like the citations in the text ("Cover and Thomas, 2006")."""
    html_dir, _ = site
    refs = (html_dir / "book" / "references.html").read_text(encoding="utf-8")
    labels = {
        re.sub(r"<[^>]+>", "", m).strip("[] ")
        for m in re.findall(r'<span class="label">(.*?)</span></span>', refs)
    }
    cited = set()
    for page in html_dir.glob("book/*.html"):
        cited |= set(
            re.findall(
                r'class="bibtex-citation"[^>]*>\[<a [^>]*>([^<]+)</a>',
                page.read_text(encoding="utf-8"),
            )
        )
    assert labels and cited
    assert cited <= labels, (
        f"citations {sorted(cited - labels)} match no bibliography label; labels: {sorted(labels)}"
    )


def test_cheat_sheet_equations_have_a_chapter_number(site):
    html_dir, _ = site
    page = (html_dir / "book" / "cheat-sheet.html").read_text(encoding="utf-8")
    numbers = re.findall(r'<span class="eqno">\(([^)<]+)\)', page)
    assert numbers and all(re.fullmatch(r"\d+\.\d+", n) for n in numbers), numbers


# --------------------------------------------------------------------------------------
# A phone reader's checks: inline math, tables, code, the Contents drawer, raw TeX,
# page weight, search, and which display equations still need sideways scrolling.


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_inline_math_is_never_cut_off(inspector, page_path, width):
    """Every inline formula is seen whole: it wraps after an operator, it is never clipped."""
    problems = inspector.get(WIDTHS[width], page_path)["inline"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_phone_page_does_not_scroll_sideways(inspector, page_path):
    """At 390 px the page is no wider than the screen (only a wide equation scrolls, in a box)."""
    problems = inspector.get("phone", page_path)["page_width"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_phone_tables_show_every_column(inspector, page_path):
    """At 390 px every table cell is in view without sideways scrolling, with its column header."""
    problems = inspector.get("phone", page_path)["table_cells"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", CHAPTERS)
def test_code_fits_a_phone(inspector, page_path):
    """At 390 px no code or output line is cut (lines wrap); each code cell has its copy button."""
    problems = inspector.get("phone", page_path)["code"]
    assert not problems, _report(page_path, problems)


@pytest.mark.parametrize("page_path", PAGES)
def test_contents_drawer_closes_on_a_tap(inspector, page_path):
    """On a phone, tapping a section in the page's Contents drawer closes the drawer."""
    problems = inspector.get("phone", page_path)["contents"]
    assert not problems, _report(page_path, problems)


# The pages with the most math, and the landing page.
RAW_TEX_PAGES = [
    "book/intro.html",
    "book/univariate-kl.html",
    "book/monte-carlo.html",
    "book/cheat-sheet.html",
]


@pytest.mark.parametrize("page_path", RAW_TEX_PAGES)
def test_no_raw_tex_before_mathjax_finishes(site, browser, page_path):
    """While MathJax is still typesetting, no raw TeX is on screen (it is hidden in its place)."""
    _, base = site
    context = browser.new_context(**MODES["phone"])
    context.route(
        "**/mathjax/tex-chtml.js",
        lambda route: route.fulfill(
            status=200, content_type="text/javascript", body=MATHJAX_STILL_TYPESETTING
        ),
    )
    page = context.new_page()
    page.goto(base + page_path, wait_until="load")
    page.wait_for_timeout(100)
    problems = page.evaluate(RAW_TEX)
    pending = page.evaluate(
        "() => document.querySelectorAll('.math:not(:has(mjx-container))').length"
    )
    context.close()
    assert pending > 0, "the stand-in for a MathJax still typesetting let math be typeset"
    assert not problems, _report(page_path, problems[:10])


# A chapter weighed 1.50 MB gzipped (4.24 MB raw), Font Awesome 0.82 MB of it; with the
# icons subset it is 0.69 MB.  The budget is half the old weight.
PAGE_WEIGHT_BUDGET = 750_000


@pytest.mark.parametrize("page_path", PAGES)
def test_page_weight(inspector, page_path):
    """What a phone downloads for a page, gzipped, figures included, stays within the budget."""
    sizes = inspector.get("phone", page_path)["weight"]
    total = sum(sizes.values())
    largest = sorted(sizes.items(), key=lambda kv: -kv[1])[:5]
    assert total <= PAGE_WEIGHT_BUDGET, (
        f"{page_path}: {total / 1e3:.0f} KB gzipped > {PAGE_WEIGHT_BUDGET / 1e3:.0f} KB; largest: "
        + ", ".join(f"{name} {size / 1e3:.0f} KB" for name, size in largest)
    )


# What readers type, and the page that answers it (kl_search_terms in _config.yml).
SEARCH_ANSWERS = {
    "negative KL": "book/negative-kl-plot.html",
    "log10": "book/negative-kl-plot.html",
    "log_var": "book/parameterization.html",
    "sigma vs log variance": "book/parameterization.html",
    "k3": "book/monte-carlo.html",
    "GRPO": "book/monte-carlo.html",
    "KL loss VAE": "book/diagonal-vae.html",
    "torch kl_div": "book/forward-reverse.html",
}
LAUNCH_LABELS = re.compile(r"\b(?:Binder|Colab|Launch|Download|repository|Open issue)\b")


@pytest.mark.parametrize("query", SEARCH_ANSWERS)
def test_search_lists_the_answer_first(site, browser, query):
    """The first search result is the page that answers the query; its snippet is prose."""
    _, base = site
    page = browser.new_page(**DESKTOP)
    page.goto(base + "search.html?q=" + query.replace(" ", "+"), wait_until="load")
    results = page.evaluate(SEARCH_RESULTS)
    page.close()
    assert results, f"no result for {query!r}"
    first = urlparse(results[0]["href"]).path[len(urlparse(base).path) :]
    ranks = [urlparse(r["href"]).path[len(urlparse(base).path) :] for r in results]
    assert first == SEARCH_ANSWERS[query], (
        f"{query!r}: first {first}; the answer is at rank "
        f"{ranks.index(SEARCH_ANSWERS[query]) + 1 if SEARCH_ANSWERS[query] in ranks else None}"
    )
    snippet = results[0]["snippet"]
    assert not LAUNCH_LABELS.search(snippet), f"{query!r}: snippet shows button labels: {snippet}"
    assert not re.search(r"\\[A-Za-z]+|[_^]\{", snippet), f"{query!r}: raw TeX in {snippet}"


# Display equations that need sideways scrolling at 390 px, per page: a ratchet.  The list
# may only shrink: an equation that is not on it must fit, and one on it that fits now
# must leave it.  KLTOOLS_UPDATE_EQUATION_LIST=1 rewrites a page's entry from what the
# browser measures (after breaking equations, to record the new state).
EQUATIONS_OVER_WIDTH = JS_DIR / "equations_over_width.json"


@pytest.mark.parametrize("page_path", PAGES)
def test_display_equations_over_width_only_shrink(inspector, page_path):
    """At 390 px a display equation fits its column, unless it is listed as not fitting yet."""
    measured = inspector.get("phone", page_path)["equation_fit"]
    over = sorted(e["name"] for e in measured if not e["fits"])
    listed = json.loads(EQUATIONS_OVER_WIDTH.read_text(encoding="utf-8"))
    if os.environ.get("KLTOOLS_UPDATE_EQUATION_LIST"):
        listed["pages"][page_path] = over
        listed["pages"] = {k: v for k, v in sorted(listed["pages"].items()) if v}
        EQUATIONS_OVER_WIDTH.write_text(
            json.dumps(listed, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return
    known = set(listed["pages"].get(page_path, []))
    new = [
        f"{e['name']} ({e['width']} px in {e['box']} px)"
        for e in measured
        if not e["fits"] and e["name"] not in known
    ]
    fixed = sorted(known - set(over))
    problems = [f"equation {n} needs sideways scrolling at 390 px" for n in new]
    problems += [
        f"equation {n} fits now: remove it from {EQUATIONS_OVER_WIDTH.name}" for n in fixed
    ]
    assert not problems, _report(page_path, problems)
