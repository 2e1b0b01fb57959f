import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Property tests must be reproducible in CI: derandomize there; locally,
# hypothesis explores new examples on every run.
settings.register_profile("ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


ROOT = Path(__file__).resolve().parents[1]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep each notebook's cells on one pytest-xdist worker, in order.

    nbval runs a notebook's cells one after another in one kernel, so all of
    them must go to the same worker.  With ``--dist loadgroup`` (pyproject.toml)
    an ``xdist_group`` mark does that; this hook runs before xdist reads the
    marks.  Everything without a group is spread over the workers one test at
    a time.
    """
    for item in items:
        if type(item).__name__ == "IPyNbCell":  # a cell collected by nbval
            item.add_marker(pytest.mark.xdist_group(Path(str(item.fspath)).name))


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the whole book once per session, warnings as errors, into a temporary folder."""
    out = tmp_path_factory.mktemp("book")
    jb = shutil.which("jupyter-book") or str(Path(sys.executable).with_name("jupyter-book"))
    proc = subprocess.run(
        [jb, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "_build" / "html", proc.stdout + proc.stderr
