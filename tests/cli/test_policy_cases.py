"""The decision corpus (tests/policy/cases) through the real `karashi policy simulate`.

Each case is a REQUEST.json plus "expected" (the decision AWS's documentation gives),
"doc" (the page that says so) and an optional "about" note; the three are removed before
the request is handed to the command.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CASES = Path(__file__).parent.parent / "policy" / "cases"
NOTES = ("expected", "doc", "about")
STATUS = {"Allow": 0, "ExplicitDeny": 3, "ImplicitDeny": 4}


def load(path: Path) -> dict[str, Any]:
    return dict(json.loads(path.read_text()))


def test_corpus_is_documented() -> None:
    """At least 25 cases; each expects one of the three decisions and cites an AWS page."""
    cases = sorted(CASES.glob("*.json"))
    assert len(cases) >= 25
    for path in cases:
        case = load(path)
        assert case["expected"] in STATUS, path.name
        assert "https://docs.aws.amazon.com/" in case["doc"], path.name


@pytest.mark.parametrize("path", sorted(CASES.glob("*.json")), ids=lambda p: p.stem)
def test_case_through_the_cli(path: Path, tmp_path: Path) -> None:
    """`karashi policy simulate --json` gives the documented decision and exit status."""
    case = load(path)
    request = {k: v for k, v in case.items() if k not in NOTES}
    request_file = tmp_path / "request.json"
    request_file.write_text(json.dumps(request))
    result = subprocess.run(
        [sys.executable, "-m", "karashi", "policy", "simulate", "--json", str(request_file)],
        capture_output=True, text=True, timeout=60, check=False)
    assert result.stderr == ""
    answer = json.loads(result.stdout)
    assert answer["decision"] == case["expected"], answer["explanation"]
    assert result.returncode == STATUS[case["expected"]]
