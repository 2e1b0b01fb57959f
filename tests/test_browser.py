"""Every page of the built book in a real browser: headless Chromium, offline.

Served from 127.0.0.1, each page must load with no console error and no failed
request; MathJax (the local copy) must typeset every math element with no
error node; every image must have loaded; every internal link and anchor must
resolve.  Chromium is Debian's package, driven by Playwright with the system
executable (no browser download).  Without Chromium the test is skipped, with
the command that installs it, unless KLTOOLS_REQUIRE_BROWSER is set (CI).
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM = next((p for p in [*(shutil.which(c) for c in _CANDIDATES), "/usr/bin/chromium"] if p and os.path.exists(p)), None)
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if CHROMIUM is None:
    if os.environ.get("KLTOOLS_REQUIRE_BROWSER"):
        pytest.fail("KLTOOLS_REQUIRE_BROWSER is set but no chromium was found", pytrace=False)
    pytest.skip("no chromium found; install it with `apt-get install chromium` (Debian) to run the browser test", allow_module_level=True)


def toc_pages() -> list[str]:
    """The pages the book consists of, from _toc.yml, plus the search page."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return [f"{f}.html" for f in files] + ["search.html", "genindex.html"]


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
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(html)))
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


MATH_CHECK = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  const math = Array.from(document.querySelectorAll('.math'));
  const untypeset = math.filter(el => !el.querySelector('mjx-container')).map(el => el.textContent.slice(0, 80));
  return {count: math.length, untypeset: untypeset, errors: document.querySelectorAll('mjx-merror').length,
          mathjax: !!(window.MathJax && MathJax.version)};
}"""
IMAGE_CHECK = """() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))"""


def check_page(browser, html_dir: Path, base: str, page_path: str) -> list[str]:
    problems: list[str] = []
    page = browser.new_page()
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console error: {msg.text}"))
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("requestfailed", lambda req: problems.append(f"failed request: {req.url} ({req.failure})"))
    page.on("response", lambda resp: resp.status >= 400 and problems.append(f"HTTP {resp.status}: {resp.url}"))
    page.goto(base + page_path, wait_until="load")
    math = page.evaluate(MATH_CHECK)
    if math["count"] and not math["mathjax"]:
        problems.append("MathJax did not load")
    if math["untypeset"]:
        problems.append(f"{len(math['untypeset'])} math element(s) not typeset, e.g. {math['untypeset'][0]!r}")
    if math["errors"]:
        problems.append(f"{math['errors']} MathJax error node(s)")
    for src in page.evaluate(IMAGE_CHECK):
        problems.append(f"image did not load: {src}")
    for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
        url, fragment = urldefrag(href)
        if not url.startswith(base):
            continue  # external: repository, Binder, Colab buttons
        target = html_dir / unquote(urlparse(url).path[len(urlparse(base).path):])
        if target.is_dir():
            target = target / "index.html"
        if not target.exists():
            problems.append(f"broken link: {href}")
        elif fragment and target.suffix == ".html" and unquote(fragment) not in ids_in(target):
            problems.append(f"missing anchor: {href}")
    page.close()
    return [f"{page_path}: {p}" for p in problems]


@pytest.mark.parametrize("page_path", toc_pages())
def test_page_renders(site, browser, page_path):
    html_dir, base = site
    assert (html_dir / page_path).exists(), f"{page_path} was not built"
    problems = check_page(browser, html_dir, base, page_path)
    assert not problems, "\n".join(problems)


def test_math_is_typeset_on_a_chapter(site, browser):
    """A positive control: the check above sees real, typeset math."""
    html_dir, base = site
    page = browser.new_page()
    page.goto(base + "book/univariate-kl.html", wait_until="load")
    math = page.evaluate(MATH_CHECK)
    page.close()
    assert math["mathjax"] and math["count"] > 20 and not math["untypeset"]


def test_search_finds_a_chapter(site, browser):
    html_dir, base = site
    page = browser.new_page()
    page.goto(base + "search.html?q=entropy", wait_until="load")
    page.wait_for_selector("#search-results li", timeout=20_000)
    hits = page.eval_on_selector_all("#search-results li a", "els => els.map(e => e.getAttribute('href'))")
    page.close()
    assert any("gaussian-entropy" in h for h in hits), hits
