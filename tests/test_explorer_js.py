"""The explorer's arithmetic (book/_static/kl-math.mjs) under Node, against kltools and mpmath.

``write_fixture`` computes, for about 10^4 parameter sets (q ~ p down to 1e-12 relative
differences, huge and tiny scales, |mu| >> sigma, the scale-ratio bands of the careful
form, the VAE's unit prior):

- the KL in both directions from mpmath at 120 digits, rounded to a double pair
  ``hi + lo`` (the reference is exact to far more than 50 digits);
- ``kltools.kl_normal`` in both directions;
- numpy's float32 evaluation of the textbook formula, one float32 operation at a time in
  the order kl-math.mjs documents, with log taken in float64 and rounded (the lane's
  definition), as float32 bit patterns;
- for the parameterization chapter's two bugs (unit prior), mpmath references.

The fixture is written to a temporary folder at test time, not committed: it is derived
from kltools and mpmath in about a second, so a committed copy could only go stale.
``python tests/test_explorer_js.py PATH`` writes it by hand, for
``KL_EXPLORER_FIXTURE=PATH node --test tests/js/explorer-math.test.mjs``.

The pytest wrapper runs ``node --test`` on tests/js/explorer*.test.mjs in a subprocess.
Without ``node`` it skips with the reason, unless KLTOOLS_REQUIRE_BROWSER is set (CI),
where it fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
NODE = shutil.which("node")
NODE_TESTS = sorted((ROOT / "tests" / "js").glob("explorer*.test.mjs"))
SEED = 20261208


def _groups(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Parameter sets (mu1, sigma1, mu2, sigma2), one (n, 4) array per kind of case."""
    def u(lo, hi, n):
        return rng.uniform(lo, hi, n)

    def sign(n):
        return rng.choice([-1.0, 1.0], n)

    n = 1500
    groups = {}
    groups["general"] = np.column_stack(
        [u(-10, 10, n), 10 ** u(-3, 3, n), u(-10, 10, n), 10 ** u(-3, 3, n)])
    s2 = 10 ** u(-3, 3, n)
    eps = sign(n) * 10 ** u(-12, -1, n)  # q ~ p: relative differences down to 1e-12
    mu1 = u(-5, 5, n)
    groups["near"] = np.column_stack(
        [mu1, s2 * (1 + eps), mu1 + s2 * sign(n) * 10 ** u(-12, -1, n), s2])
    same = u(-3, 3, 100)
    groups["equal"] = np.column_stack([same, 10 ** u(-3, 3, 100), same, np.ones(100)])
    groups["equal"][:, 3] = groups["equal"][:, 1]
    s2 = 10 ** u(-200, 200, n)  # huge and tiny scales (1e-300 to 1e300), ratios to 1e100
    groups["extreme"] = np.column_stack(
        [s2 * u(-3, 3, n), s2 * 10 ** u(-100, 100, n), s2 * u(-3, 3, n), s2])
    s1 = 10 ** u(-5, 0, n)  # |mu| >> sigma
    mu1 = sign(n) * 10 ** u(0, 15, n)
    groups["far"] = np.column_stack([mu1, s1, mu1 * (1 + u(-1e-3, 1e-3, n)), 10 ** u(-5, 0, n)])
    s2 = 10 ** u(-3, 3, n)  # the bands 1/8 <= r < 1/2 and 2 < r <= 8
    r = np.where(rng.random(n) < 0.5, u(0.125, 0.5, n), u(2.0, 8.0, n))
    groups["bands"] = np.column_stack([u(-1, 1, n), s2 * r, u(-1, 1, n), s2])
    mu = rng.normal(0, 1, n)  # a VAE posterior against the unit prior
    groups["vae"] = np.column_stack([mu, np.exp(0.5 * rng.normal(0, 2, n)), 0 * mu, 1 + 0 * mu])
    return groups


def _mp_kl(m1, s1, m2, s2):
    """KL(N(m1, s1^2) || N(m2, s2^2)) from the exact double inputs, at 120 digits."""
    m1, s1, m2, s2 = (mpmath.mpf(float(v)) for v in (m1, s1, m2, s2))
    return mpmath.log(s2 / s1) + (s1**2 + (m1 - m2) ** 2) / (2 * s2**2) - mpmath.mpf(1) / 2


def _pair(value) -> list[float]:
    """A 120-digit value as the double pair [hi, lo] with hi + lo = value to ~2^-106."""
    hi = float(value)
    return [hi, float(value - mpmath.mpf(hi))]


def float32_lane(m1, s1, m2, s2) -> np.float32:
    """The textbook formula in numpy float32 scalars, in kl-math.mjs's order (log in float64)."""
    f = np.float32
    with np.errstate(all="ignore"):  # float32 overflows to inf, as Math.fround does
        m1, s1, m2, s2 = f(m1), f(s1), f(m2), f(s2)
        lg = f(np.log(np.float64(s2 / s1)))
        d = m1 - m2
        num = s1 * s1 + d * d
        den = (f(2) * s2) * s2
        return (lg + num / den) - f(0.5)


def _bits(x: np.float32) -> int:
    return int(np.array(x, dtype=np.float32).view(np.uint32))


def _bug_refs(mu: float, sigma: float) -> list[list[float]]:
    """mpmath references of the true KL and the two bugs of eq-param-bugs (unit prior)."""
    mu, s = mpmath.mpf(float(mu)), mpmath.mpf(float(sigma))
    truth = (mu**2 + s**2 - 1) / 2 - mpmath.log(s)
    bug1 = (mu**2 + s - 1 - mpmath.log(s)) / 2
    bug2 = (mu**2 + s**4 - 1) / 2 - mpmath.log(s**2)
    return [_pair(truth), _pair(bug1), _pair(bug2)]


def fixture_data() -> dict:
    """The fixture as a JSON-ready dict (see the module docstring)."""
    from kltools import kl_normal

    rng = np.random.default_rng(SEED)
    points = np.concatenate(list(_groups(rng).values()))
    m1, s1, m2, s2 = points.T
    kl_qp, kl_pq = kl_normal(m1, s1, m2, s2), kl_normal(m2, s2, m1, s1)
    rows = []
    with mpmath.workdps(120):
        for i, (a, b, c, d) in enumerate(points):
            rows.append({
                "x": [float(a), float(b), float(c), float(d)],
                "qp": _pair(_mp_kl(a, b, c, d)), "pq": _pair(_mp_kl(c, d, a, b)),
                "kltools": [float(kl_qp[i]), float(kl_pq[i])],
                "f32": [_bits(float32_lane(a, b, c, d)), _bits(float32_lane(c, d, a, b))],
            })
        mus = np.concatenate([rng.normal(0, 2, 900), np.zeros(100)])
        sigmas = np.concatenate([10 ** rng.uniform(-3, 3, 600), 1 + rng.uniform(-0.5, 0.5, 300),
                                 1 + rng.choice([-1, 1], 100) * 10 ** rng.uniform(-12, -1, 100)])
        bugs = [{"x": [float(m), float(s)], "refs": _bug_refs(m, s)}
                for m, s in zip(mus, sigmas)]
    return {"points": rows, "bugs": bugs}


def write_fixture(path: Path) -> Path:
    path.write_text(json.dumps(fixture_data(), allow_nan=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def fixture_path(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("explorer") / "kl-fixture.json")


def test_fixture_covers_the_cases(fixture_path):
    """About 10^4 points, including q ~ p to 1e-12 and scales beyond 1e250 and below 1e-250."""
    data = json.loads(fixture_path.read_text(encoding="utf-8"))
    x = np.array([row["x"] for row in data["points"]])
    r = x[:, 1] / x[:, 3]
    assert len(x) + len(data["bugs"]) >= 10_000
    assert np.min(np.abs(r[r != 1] - 1)) < 1e-11
    assert x[:, [1, 3]].max() > 1e250 and x[:, [1, 3]].min() < 1e-250
    assert np.max(np.abs(x[:, 0]) / x[:, 1]) > 1e15


def test_node_checks_the_module(fixture_path):
    """`node --test` on tests/js/explorer*.test.mjs: 4 ulp against mpmath, float32 bit for bit."""
    if NODE is None:
        if os.environ.get("KLTOOLS_REQUIRE_BROWSER"):
            pytest.fail("KLTOOLS_REQUIRE_BROWSER is set but no `node` was found")
        pytest.skip("no `node` found; install Node.js 20 (Debian: apt-get install nodejs)")
    assert NODE_TESTS, "no tests/js/explorer*.test.mjs"
    env = dict(os.environ, KL_EXPLORER_FIXTURE=str(fixture_path))
    proc = subprocess.run([NODE, "--test", *map(str, NODE_TESTS)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    summary = proc.stdout[-400:]
    assert "# fail 0" in summary and "# skipped 0" in summary, summary
    assert "# pass 0" not in summary, summary


def _extension():
    spec = importlib.util.spec_from_file_location("kl_explorer", ROOT / "book/_ext/kl_explorer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_static_figure_states_kltools_values():
    """The no-JavaScript figure's KLs are kltools' at the block's parameters, as rounded there."""
    ext = _extension()
    block = '<div data-kl-explorer data-mu1="1" data-sigma1="2" data-mu2="-0.5" data-sigma2="0.3">'
    params = ext.parameters(block)
    html = ext.static_figure(params)
    from kltools import kl_normal

    shown = [float(x) for x in re.findall(r"KL\([qp]‖[qp]\) = ([\d.e+-]+) nats", html)]
    want = [float(kl_normal(1, 2, -0.5, 0.3)), float(kl_normal(-0.5, 0.3, 1, 2))]
    assert shown == [float(f"{w:.4g}") for w in want]
    assert html.count("<polyline") == 2


@pytest.mark.parametrize("bad", ['data-sigma1="0"', 'data-sigma1="-2"', 'data-sigma1="x"', ""])
def test_a_bad_block_stops_the_build_naming_the_attribute(bad):
    ext = _extension()
    block = f'<div data-kl-explorer data-mu1="0" {bad} data-mu2="0" data-sigma2="1">'
    from sphinx.errors import ExtensionError

    with pytest.raises(ExtensionError, match="data-sigma1 must be a finite number > 0"):
        ext.parameters(block)


if __name__ == "__main__":
    print(write_fixture(Path(sys.argv[1])))
