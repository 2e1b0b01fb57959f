"""The deployment workflow runs the README's commands and keeps least-privilege permissions."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = yaml.safe_load(
    (ROOT / ".github" / "workflows" / "book.yml").read_text(encoding="utf-8")
)
README = (ROOT / "README.md").read_text(encoding="utf-8")


def steps(job):
    return WORKFLOW["jobs"][job]["steps"]


def test_runs_the_readme_commands():
    test_cmd = "pip install -r requirements.txt && pytest"
    build_cmd = "pip install -r requirements.txt && jupyter-book build ."
    assert test_cmd in README and build_cmd in README
    assert any(s.get("run") == test_cmd for s in steps("test"))
    assert any(s.get("run") == build_cmd for s in steps("build"))


def test_least_privilege_and_standard_pages_actions():
    assert WORKFLOW["permissions"] == {"contents": "read"}
    assert WORKFLOW["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert (
        "permissions" not in WORKFLOW["jobs"]["test"]
        and "permissions" not in WORKFLOW["jobs"]["build"]
    )
    uses = [s.get("uses", "") for job in WORKFLOW["jobs"] for s in steps(job)]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    assert any(u.startswith("actions/deploy-pages@") for u in uses)
    assert (
        WORKFLOW["jobs"]["deploy"]["needs"] == "build"
        and WORKFLOW["jobs"]["build"]["needs"] == "test"
    )
    assert (
        next(s for s in steps("build") if "upload-pages-artifact" in s.get("uses", ""))["with"][
            "path"
        ]
        == "_build/html"
    )


def test_supported_platforms_are_tested():
    """Linux with every supported Python (at least two), macOS and Windows with one."""
    import re
    import tomllib

    matrix = WORKFLOW["jobs"]["test"]["strategy"]["matrix"]["include"]
    linux = sorted(m["python"] for m in matrix if m["os"].startswith("ubuntu"))
    assert len(linux) >= 2
    assert any(m["os"].startswith("macos") for m in matrix) and any(
        m["os"].startswith("windows") for m in matrix
    )
    minimum = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "requires-python"
    ]
    low = tuple(int(x) for x in re.fullmatch(r">=(\d+\.\d+)", minimum).group(1).split("."))
    assert all(tuple(int(x) for x in m["python"].split(".")) >= low for m in matrix)
    assert linux[0] == ".".join(map(str, low))  # the lowest supported Python is tested
    for version in linux:
        assert version in README  # the README says what is supported
