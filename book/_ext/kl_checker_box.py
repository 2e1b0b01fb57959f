"""The formula checker on the page: a ``kl-checker`` directive and the files it runs on.

A page asks for the box with a fenced ``{kl-checker}`` directive (MyST).  The reader pastes
a line of code; on the first check a Web Worker (book/_static/kl-checker-worker.mjs) starts
Pyodide, loads the sympy and mpmath wheels and the checker, and runs
:func:`kltools.checker.check_formula` on it.  Every file comes from the built site, under
``_static/kl-checker/``, and nothing is downloaded before the first check.

Where the files come from (the pins are below; README, *The checker box*, says how to
update them):

- Pyodide's core files, from the npm package ``pyodide@PYODIDE_VERSION``, fetched with
  ``npm pack`` and verified against the pinned sha512 ``integrity``;
- the sympy and mpmath wheels, the versions of requirements.txt, fetched with
  ``pip download`` and verified against the pinned sha256;
- the checker itself, zipped at build time from this checkout: ``kltools/__init__.py``,
  ``kltools/checker/*.py`` and book/_ext/kl_checker_run.py.

Downloads are cached (``KLTOOLS_CHECKER_CACHE``, default ``~/.cache/kltools-checker``) and
re-verified on every build.  If a file cannot be had, or a hash does not match, the build
warns (so a ``-W`` build fails), and each page shows a note in place of the box: a box that
cannot work is never shipped.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.util import logging

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "book" / "_static"
LOG = logging.getLogger(__name__)

PYODIDE_VERSION = "314.0.8"
PYODIDE_INTEGRITY = ("sha512-74Wq1kXOC+CCEzAfxuRAO701nAcCMLjf8NrwvWpu8S41dVMXwXmLQ05dYB+F4e46"
                     "AdnGo0oq7YHSVUpHsoarLQ==")
# what the box loads from the package (its loader, the runtime, the standard library, the lockfile)
PYODIDE_FILES = ("pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json")
# (name, version, sha256 of its py3-none-any wheel): the versions pinned in requirements.txt
WHEELS = (
    ("mpmath", "1.3.0", "a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c"),
    ("sympy", "1.14.0", "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5"),
)
# The checker's limits under WebAssembly, in seconds.  On the checker's test and chapter lines
# Pyodide in Node used 2.5 times CPython's CPU time (median 2.0, 90th percentile 2.7;
# tests/test_checker_pyodide.py prints the times), and under Pyodide the checker's clock is
# the wall clock, so a busy or slower machine counts against it too.  The CPU deadline is
# 5 x CPython's 1.2 s, inside a 10 s limit named in the message; the box stops the worker
# GRACE s after that (kl-checker.mjs), in case sympy does not return.
TIME_LIMIT = 10.0
CPU_DEADLINE = 6.0
GRACE = 5.0
CHECKER_SOURCES = ("kltools/__init__.py", "kltools/checker/*.py")
RUNNER = Path(__file__).with_name("kl_checker_run.py")


class Unavailable(RuntimeError):
    """A file the box needs cannot be had (or does not match its pin)."""


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "kltools-checker"
    return Path(os.environ.get("KLTOOLS_CHECKER_CACHE") or default)


def _sri(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def _run(command: list[str], what: str) -> None:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable(f"{what}: {error}") from error
    if proc.returncode != 0:
        raise Unavailable(f"{what} failed: {(proc.stderr or proc.stdout).strip()[-600:]}")


def _move_in(source: Path, target: Path) -> None:
    if not source.exists():
        raise Unavailable(f"{target.name} was not downloaded")
    os.replace(source, target)


def _fetched(paths: list[Path], fetch, digest, pinned: list[str]) -> list[Path]:
    """``paths``, fetched if missing; a cached file that does not match its pin is fetched
    again, once; raise :class:`Unavailable` if one still does not match."""
    for attempt in (0, 1):
        if not all(p.exists() for p in paths):
            fetch()
        wrong = [(p, digest(p.read_bytes()), pin) for p, pin in zip(paths, pinned)
                 if digest(p.read_bytes()) != pin]
        if not wrong:
            return paths
        for path, _, _ in wrong:
            path.unlink()
    raise Unavailable("; ".join(f"{p.name} has the hash {got}, not the pinned {pin}"
                                for p, got, pin in wrong))


def pyodide_tarball(cache: Path) -> Path:
    """``pyodide-VERSION.tgz`` in the cache, fetched with ``npm pack`` if missing; verified."""
    tgz = cache / f"pyodide-{PYODIDE_VERSION}.tgz"

    def fetch():
        npm = shutil.which("npm")
        if npm is None:
            raise Unavailable("npm was not found, so Pyodide could not be fetched "
                              f"(npm pack pyodide@{PYODIDE_VERSION})")
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:  # then moved: builds may race
            _run([npm, "pack", f"pyodide@{PYODIDE_VERSION}", "--pack-destination", tmp,
                  "--silent"], f"npm pack pyodide@{PYODIDE_VERSION}")
            _move_in(Path(tmp) / tgz.name, tgz)

    return _fetched([tgz], fetch, _sri, [PYODIDE_INTEGRITY])[0]


def wheel_files(cache: Path) -> list[Path]:
    """The pinned wheels in the cache, fetched with ``pip download`` if missing; verified."""
    folder = cache / "wheels"
    paths = [folder / f"{name}-{version}-py3-none-any.whl" for name, version, _ in WHEELS]

    def fetch():
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            _run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                  "--disable-pip-version-check", "-d", tmp,
                  *(f"{name}=={version}" for name, version, _ in WHEELS)],
                 "pip download of the sympy and mpmath wheels")
            for path in paths:
                _move_in(Path(tmp) / path.name, path)

    return _fetched(paths, fetch, lambda data: hashlib.sha256(data).hexdigest(),
                    [sha256 for _, _, sha256 in WHEELS])


def checker_zip(dest: Path) -> str:
    """Zip the checker's sources into ``dest``, named by their hash; return the name."""
    files = sorted({p for pattern in CHECKER_SOURCES for p in ROOT.glob(pattern)})
    entries = [(p.relative_to(ROOT).as_posix(), p.read_bytes()) for p in files]
    entries.append((RUNNER.name, RUNNER.read_bytes()))
    digest = hashlib.sha256(b"".join(n.encode() + b"\0" + d for n, d in entries)).hexdigest()
    name = f"kltools-checker-{digest[:12]}.zip"
    with zipfile.ZipFile(dest / name, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry, data in entries:
            archive.writestr(zipfile.ZipInfo(entry, (1980, 1, 1, 0, 0, 0)), data)
    return name


def prepare(dest: Path, cache: Path | None = None) -> dict:
    """Lay out everything the box loads in ``dest`` (the site's ``_static/kl-checker``).

    Returns the manifest (also written to ``dest/manifest.json``).  Raises
    :class:`Unavailable` if a file cannot be had or does not match its pin.
    """
    cache = cache or cache_dir()
    tgz = pyodide_tarball(cache)
    wheels = wheel_files(cache)
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "pyodide").mkdir(parents=True)
    (dest / "wheels").mkdir()
    with tarfile.open(tgz) as archive:
        for name in PYODIDE_FILES:
            source = archive.extractfile(f"package/{name}")
            (dest / "pyodide" / name).write_bytes(source.read())
    for wheel in wheels:
        shutil.copyfile(wheel, dest / "wheels" / wheel.name)
    manifest = {
        "pyodide": "pyodide/",
        "pyodide_version": PYODIDE_VERSION,
        "wheels": [f"wheels/{w.name}" for w in wheels],
        "zip": checker_zip(dest),
        "time_limit": TIME_LIMIT,
        "cpu_deadline": CPU_DEADLINE,
        "grace": GRACE,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    (dest / "NOTICE.txt").write_text(
        f"Pyodide {PYODIDE_VERSION} (Mozilla Public License 2.0), "
        + ", ".join(f"{n} {v}" for n, v, _ in WHEELS)
        + " (BSD licences; the licence texts are in each wheel's .dist-info).\n",
        encoding="utf-8")
    return manifest


# --------------------------------------------------------------------------------------
# Sphinx: the directive, and the files laid out in the HTML output.

_STATE: dict = {}  # "problem": why the box is not in this build (set in builder-inited)

BOX = """<div class="kl-checker" data-kl-checker>
<label class="kl-checker-label" for="kl-checker-code-{n}">Your line of code
 (or a few lines)</label>
<textarea id="kl-checker-code-{n}" name="code" rows="3" spellcheck="false" autocomplete="off"
 autocapitalize="off">{code}</textarea>
<label class="kl-checker-label" for="kl-checker-names-{n}">Meanings of other names
 (optional), as <code>name = meaning</code> pairs</label>
<input id="kl-checker-names-{n}" name="names" type="text" spellcheck="false" autocomplete="off"
 autocapitalize="off" value="{names}" placeholder="mu0 = mu, std0 = std, EPS = 1e-8">
<div class="kl-checker-actions"><button type="button">Check the line</button>
<span class="kl-checker-status" role="status" aria-live="polite">Runs in your browser:
the first check on a page starts Python (a {mb} MB download the first time), later ones take
a moment.</span></div>
<progress class="kl-checker-progress" max="1" value="0" hidden></progress>
<div class="kl-checker-result" aria-live="polite"></div>
<noscript><p>The checker box needs JavaScript.</p></noscript>
</div>"""

NOTE = """<div class="kl-checker kl-checker-missing" data-kl-checker-missing>
<p><strong>The in-page checker is not in this build:</strong> {problem}.
Run <code>check_formula</code> locally instead (see the README).</p></div>"""


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


class CheckerBox(Directive):
    """``{kl-checker}``: the box, with ``:code:`` and ``:names:`` filled in as an example."""

    option_spec = {"code": str, "names": str}

    def run(self):
        env = self.state.document.settings.env
        count = env.temp_data["kl_checker_n"] = env.temp_data.get("kl_checker_n", 0) + 1
        problem = _STATE.get("problem")
        if problem:
            html = NOTE.format(problem=_escape(problem))
        else:
            html = BOX.format(n=count, code=_escape(self.options.get("code", "")),
                              names=_escape(self.options.get("names", "")),
                              mb=_STATE.get("megabytes", "?"))
        return [nodes.raw("", html, format="html")]


def _first_check_bytes(dest: Path, manifest: dict) -> int:
    files = [dest / "pyodide" / n for n in PYODIDE_FILES if n != "pyodide.mjs"]
    files += [dest / w for w in manifest["wheels"]] + [dest / manifest["zip"]]
    return sum(f.stat().st_size for f in files)


def _builder_inited(app):
    _STATE.clear()
    if app.builder.format != "html":
        _STATE["problem"] = "this is not an HTML build"
        return
    dest = Path(app.outdir) / "_static" / "kl-checker"
    try:
        manifest = prepare(dest)
    except Unavailable as error:
        _STATE["problem"] = str(error)
        LOG.warning("kl_checker_box: the checker box is left out of every page: %s", error)
        return
    _STATE["megabytes"] = round(_first_check_bytes(dest, manifest) / 1e6)


def _add_static_path(app, config):
    if str(STATIC) not in config.html_static_path:
        config.html_static_path.append(str(STATIC))


def _page_context(app, pagename, templatename, context, doctree):
    body = context.get("body", "") if doctree is not None else ""
    if "data-kl-checker" in body:  # the box, or the note in its place
        app.add_css_file("kl-checker.css")
    if "data-kl-checker>" in body:
        app.add_js_file("kl-checker.mjs", type="module")


def setup(app):
    app.connect("config-inited", _add_static_path)
    app.connect("builder-inited", _builder_inited)
    app.connect("html-page-context", _page_context)
    app.add_directive("kl-checker", CheckerBox)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
