"""The baseline file: written without secrets, read back, older versions upgraded, errors named."""

from __future__ import annotations

import json

import pytest

from bastion.detectors.secrets.baseline import BASELINE_VERSION, baseline_from_findings, parse_baseline
from bastion.errors import ConfigError
from bastion.model import Finding, FindingKind, Location, SecretEvidence, Severity


def _finding(fp: str, path: str) -> Finding:
    return Finding(
        kind=FindingKind.SECRET,
        id="github-pat",
        title="t",
        severity=Severity.CRITICAL,
        fingerprint=fp,
        location=Location(path=path, line=3),
        evidence=SecretEvidence(match="ghp_…(40)", secret_hash="ab" * 32),
    )


def test_roundtrip() -> None:
    doc = baseline_from_findings(
        [_finding("secr:1", "b.py"), _finding("secr:2", "a.py"), _finding("secr:1", "b.py")],
        bastion_version="1.0",
        plugin="secret/rules@1",
        target="/src",
        settings={},
    )
    assert doc["version"] == BASELINE_VERSION
    assert [e["path"] for e in doc["findings"]] == ["a.py", "b.py"]  # sorted, deduplicated
    assert doc["findings"][0]["match"] == "ghp_…(40)"
    b = parse_baseline(json.dumps(doc), "x.json")
    assert "secr:1" in b and "secr:2" in b and "secr:3" not in b


def test_version_0_is_upgraded() -> None:
    b = parse_baseline(json.dumps(["secr:a", {"fingerprint": "secr:b"}]), "old.json")
    assert "secr:a" in b and "secr:b" in b


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "invalid JSON"),
        ('{"version": 99, "findings": []}', "newer than this bastion"),
        ('{"version": 1, "findings": {}}', "expected 'findings'"),
        ('{"version": 1, "findings": [{"rule": "x"}]}', "findings[0]"),
    ],
)
def test_errors(text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_baseline(text, "b.json")
