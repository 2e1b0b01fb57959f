import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests must be reproducible: the README's test command (and CI, which
# runs it without setting any variable) derandomizes them.  To let hypothesis
# explore new examples on every run, set KLTOOLS_HYPOTHESIS=explore.
settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("explore", deadline=None)
settings.load_profile("explore" if os.environ.get("KLTOOLS_HYPOTHESIS") == "explore" else "ci")


ROOT = Path(__file__).resolve().parents[1]


# Which tests must share a pytest-xdist worker.  A notebook's cells run one after
# another in one kernel, so they stay together and in order; the book build is a
# session fixture, so the build tests and the browser test share the worker that
# built it; the Colab test builds its bare environment once.  Everything else is
# handed out one test at a time, which balances the two passes over the notebooks.
SCOPES = {
    "tests/test_book.py": "book",
    "tests/test_browser.py": "book",
    "tests/test_browser_explorer.py": "book",
    "tests/test_browser_checker.py": "book",
    "tests/test_colab.py": "colab",
}


@pytest.hookimpl(tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """pytest-xdist's scope scheduling, with the scopes above (see pyproject.toml's addopts).

    (xdist's own ``--dist loadgroup`` cannot be used: with pytest 9 its group
    marks no longer reach the scheduler.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class Scheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            if path.endswith(".ipynb"):
                return path
            return SCOPES.get(path, nodeid)

    return Scheduling(config, log)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once per session, warnings as errors, into a temporary folder."""
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    proc = subprocess.run(
        [jb, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "_build" / "html", proc.stdout + proc.stderr
