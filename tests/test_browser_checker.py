"""The formula checker box in a real browser: paste a line, click, get CPython's verdict, offline.

On each page with a box (the landing page, formula-audit, parameterization), at 390 px
(a phone) and 1366 px (a laptop), served from 127.0.0.1 with every other request blocked:

- the box fits the column before and after a result, and nothing is downloaded for it
  before the first click;
- a click gives the result that CPython's ``check_formula`` gives for the same line
  (book/_ext/kl_checker_run.py is what both run), through the hook ``data-kl-checker``:
  ``data-state="done"``, ``data-result`` as JSON;
- the first verdict comes within 15 s of the first click and later ones within 2 s
  (times are written to the report, and to KLTOOLS_CHECKER_TIMES if it is set);
- a check that runs past its limit is stopped with a message, and the next click starts a
  fresh worker that gives the verdict.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

from . import test_browser
from .test_browser import CHROMIUM

site, browser = test_browser.site, test_browser.browser  # the fixtures, shared

# tests/conftest.py schedules this module on the worker that builds the book (scope "book")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "book" / "_ext"))
import kl_checker_run  # noqa: E402

assert CHROMIUM  # test_browser skips or fails the module without it

WIDTHS = {
    "390": dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True),
    "1366": dict(viewport={"width": 1366, "height": 768}),
}
PAGES = ["book/intro.html", "book/formula-audit.html", "book/parameterization.html"]
COLD_SECONDS = 15.0  # first click to first verdict
WARM_SECONDS = 2.0  # any later check
HOOK_KEYS = {"verdict", "factor", "reinterpretation", "reduction", "assumed"}
SECOND_LINE = ("kl = torch.log(std_p / std) + (std**2 + (mu - mu_p)**2) / (2 * std_p**2) + 0.5",
               "")
THIRD_LINE = ("kl = 0.5 * np.sum(std**2 + mu**2 - 1 - np.log(std))", "sigma_p = 2")

FITS = """(box) => {
  const col = box.parentElement.getBoundingClientRect();
  const problems = [];
  const r = box.getBoundingClientRect();
  if (r.left < col.left - 1 || r.right > col.right + 1) problems.push(`box ${r.left}-${r.right} outside the column ${col.left}-${col.right}`);
  if (r.right > window.innerWidth) problems.push(`box ends at ${r.right} > ${window.innerWidth}`);
  for (const el of box.querySelectorAll('*')) {
    const e = el.getBoundingClientRect();
    if (e.width && (e.left < r.left - 1 || e.right > r.right + 1)) problems.push(`${el.tagName}.${el.className} sticks out: ${e.left}-${e.right}`);
  }
  if (document.documentElement.scrollWidth > window.innerWidth + 1) problems.push(`page scrolls sideways: ${document.documentElement.scrollWidth}`);
  return problems;
}"""


class Visit:
    """A page in its own context; every request not to 127.0.0.1 is aborted and counted."""

    def __init__(self, browser, base, width, page_path, manifest=None):
        self.context = browser.new_context(**WIDTHS[width])
        self.blocked, self.requests = [], []
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.errors = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.manifest = manifest  # a replacement for the first manifest.json served
        self.page.goto(base + page_path)
        self.box = self.page.locator("[data-kl-checker]")

    def _route(self, route):
        url = route.request.url
        if urlparse(url).hostname != "127.0.0.1":
            self.blocked.append(url)
            return route.abort()
        self.requests.append(url)
        if url.endswith("/manifest.json") and self.manifest is not None:
            original = route.fetch().json()
            body, self.manifest = json.dumps({**original, **self.manifest}), None
            return route.fulfill(body=body, content_type="application/json")
        return route.continue_()

    def check(self, code=None, names=None, timeout=60.0):
        """Fill in the box (or keep what it holds), click, wait; (result, seconds, state)."""
        if code is not None:
            self.box.locator("textarea").fill(code)
            self.box.locator('input[name="names"]').fill(names or "")
        start = time.monotonic()
        self.box.locator("button").click()
        self.page.wait_for_function(
            "(el) => ['done', 'error'].includes(el.dataset.state) && el.dataset.result",
            arg=self.box.element_handle(), timeout=timeout * 1000, polling=20)
        seconds = time.monotonic() - start
        state = self.box.get_attribute("data-state")
        return json.loads(self.box.get_attribute("data-result")), seconds, state

    def fits(self):
        return self.box.evaluate(FITS)

    def close(self):
        self.context.close()


def expected(code, names=""):
    """What CPython's check_formula gives, through the same wrapper the box runs."""
    return json.loads(kl_checker_run.check_json(code, names))


def record(name, seconds):
    path = os.environ.get("KLTOOLS_CHECKER_TIMES")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{name} {seconds:.2f}\n")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page_path", PAGES)
def test_box_gives_cpythons_verdict(site, browser, page_path, width, tmp_path):
    """The page's own example, then two more lines: CPython's results, in time, offline."""
    _, base = site
    visit = Visit(browser, base, width, page_path)
    try:
        assert visit.box.count() == 1, f"{page_path}: no checker box"
        assert visit.fits() == [], visit.fits()
        assert not [u for u in visit.requests if "/kl-checker/" in u], "loaded before a click"
        code = visit.box.locator("textarea").input_value()
        names = visit.box.locator('input[name="names"]').input_value()
        want = expected(code, names)
        got, cold, state = visit.check()
        assert state == "done" and got == want, (got, want)
        assert HOOK_KEYS <= set(got)
        assert visit.box.locator(".kl-checker-result dd").first.is_visible()
        assert visit.fits() == [], visit.fits()
        visit.page.screenshot(path=str(tmp_path / f"{width}.png"), full_page=False)
        warm = []
        for line, line_names in (SECOND_LINE, THIRD_LINE):
            got, seconds, state = visit.check(line, line_names)
            assert state == "done" and got == expected(line, line_names)
            warm.append(seconds)
        record(f"{page_path}@{width} cold", cold)
        record(f"{page_path}@{width} warm", max(warm))
        print(f"{page_path} at {width} px: cold {cold:.2f} s, warm {max(warm):.2f} s")
        assert cold <= COLD_SECONDS, f"first verdict after {cold:.1f} s"
        assert max(warm) <= WARM_SECONDS, f"a later verdict after {max(warm):.1f} s"
        assert any(u.endswith("pyodide.asm.wasm") for u in visit.requests)  # the route sees it
        assert visit.blocked == [] and visit.errors == []
    finally:
        visit.close()


def test_a_check_past_its_limit_is_stopped_and_the_next_runs_in_a_fresh_worker(site, browser):
    """The first worker gets a limit shorter than any check: it is stopped, with a message."""
    _, base = site
    visit = Visit(browser, base, "390", PAGES[1], manifest={"time_limit": 0, "grace": 0.001})
    try:
        got, _, state = visit.check()
        assert state == "error" and "was stopped" in got["error"], got
        assert "was stopped" in visit.box.locator(".kl-checker-result").inner_text()
        code = visit.box.locator("textarea").input_value()
        names = visit.box.locator('input[name="names"]').input_value()
        got, _, state = visit.check()
        assert state == "done" and got == expected(code, names)
        manifests = [u for u in visit.requests if u.endswith("/kl-checker/manifest.json")]
        assert len(manifests) == 2, visit.requests  # one worker stopped, a fresh one started
        assert visit.blocked == [] and visit.errors == []
    finally:
        visit.close()


def test_a_refused_line_says_why(site, browser):
    """An unreadable line ends in data-state="error" with CPython's ValueError message."""
    _, base = site
    visit = Visit(browser, base, "1366", PAGES[0])
    try:
        got, _, state = visit.check("kl = foo(mu)", "")
        assert state == "error" and got == expected("kl = foo(mu)") and "foo" in got["error"]
        got, _, state = visit.check("kl = -0.5*(1 + logvar - mu**2 - exp(logvar))", "x = (")
        assert state == "error" and got == expected("", "x = (") and "names" in got["error"]
    finally:
        visit.close()
