"""Strict nbval a second time, on a perturbed numeric platform.

numpy picks SIMD kernels for the CPU it runs on (AVX-512, AVX2, baseline SSE,
NEON on ARM), and OpenBLAS picks its own kernels the same way.  They round the
last bits of ``exp``, ``log``, matmul, ``inv`` and ``det`` differently, so a
notebook that prints the last digits of a measured error passes on the machine
that executed it and fails on a reader's.  The two variables below make this
machine compute like an older CPU: numpy's AVX2/FMA3/AVX-512 paths are switched
off and OpenBLAS uses its Sandy Bridge kernels.  Every stored output must be
reproduced there too, so a platform-dependent figure fails on any machine.

The notebooks run in pytest processes of their own (the variables must be set
before the kernel imports numpy): a few notebooks per process, two processes per
pytest-xdist worker.  Starting pytest with nbval costs about 6 s of CPU here
(nbformat's jsonschema alone imports a grammar library for 2 s), so one process
per notebook cost more than a minute of the test command; two per worker still
let the workers balance.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "book").glob("*.ipynb"))
PERTURBED = {
    "OPENBLAS_CORETYPE": "Sandybridge",
    "NPY_DISABLE_CPU_FEATURES": "X86_V4 X86_V3 AVX512F AVX2 FMA3",
}
X86 = platform.machine().lower() in {"x86_64", "amd64", "i686", "x86"}


def perturbed_env() -> dict[str, str]:
    env = {**os.environ, **PERTURBED}
    env.pop("PYTEST_XDIST_WORKER", None)
    env.pop("PYTEST_XDIST_WORKER_COUNT", None)
    return env


def batches() -> list[list[Path]]:
    """The notebooks in 2 batches per xdist worker (1 without xdist), largest first."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    count = min(len(NOTEBOOKS), 2 * workers) if workers > 0 else 1
    by_size = sorted(NOTEBOOKS, key=lambda p: (-p.stat().st_size, p.name))
    return [sorted(by_size[i::count]) for i in range(count)]


@pytest.mark.skipif(
    not X86,
    reason="the perturbation switches off x86 SIMD paths; on this CPU the native run already "
    "differs from the x86 machine that stored the outputs",
)
@pytest.mark.parametrize("paths", batches(), ids=lambda ps: "+".join(p.stem for p in ps))
def test_stored_outputs_on_a_perturbed_platform(paths):
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:xdist",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:hypothesispytest",
        "-o",
        "addopts=",
        "--nbval",
        "--nbval-current-env",
        "-q",
        "--no-header",
        "-rf",
        *(str(p.relative_to(ROOT)) for p in paths),
    ]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=perturbed_env(), capture_output=True, text=True, timeout=1200
    )
    assert proc.returncode == 0, (
        f"{', '.join(p.name for p in paths)}: a stored output differs under {PERTURBED}, "
        "so it depends on the platform (the failing cells are listed below).\n"
        + proc.stdout[-6000:]
        + proc.stderr[-2000:]
    )


PROBE = """
import hashlib
import numpy as np
from numpy._core._multiarray_umath import __cpu_features__ as features
x = np.linspace(0.1, 80, 200_001, dtype=np.float32)
digest = hashlib.sha256(np.exp(x).tobytes() + np.log(x).tobytes()).hexdigest()
print(digest, features.get("AVX2", False))
"""


@pytest.mark.skipif(not X86, reason="x86 only, like the perturbation")
def test_the_perturbation_changes_numpy_results():
    """A positive control: with AVX2, the variables really change numpy's float32 exp/log."""

    def probe(env):
        out = subprocess.run(
            [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, check=True
        )
        digest, avx2 = out.stdout.split()
        return digest, avx2 == "True"

    native, has_avx2 = probe({**os.environ})
    perturbed, _ = probe(perturbed_env())
    if not has_avx2:
        pytest.skip("this CPU has no AVX2: the native run is already the baseline numpy path")
    assert native != perturbed
