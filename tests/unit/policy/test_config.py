"""bastion.yaml: the schema, file:line errors, discovery, CLI overrides."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from bastion.config import PolicyOverrides, apply_overrides, find_config, load_config, load_waivers, resolve
from bastion.errors import ConfigError, UsageError
from bastion.model import FindingKind, Severity
from bastion.policy.model import SeverityRule

FULL = """\
version: 1
policy:
  exit_code: 4
  vulnerability:
    severity: [critical, high]
    ignore_unfixed: true
    known_exploited_only: false
    epss_threshold: 0.05
  misconfig:
    severity: medium
    fail_rules: [DS-001]
    ignore_rules: [K8S-010]
  license:
    deny: [AGPL-3.0-only]
    allow: [MIT, Apache-2.0]
waivers:
  - id: CVE-2024-0004
    package: pkg:pypi/requests
    reason: No proxies in production.
    owner: alice@example.com
    expires: 2026-12-31
  - kind: secret
    path: tests/fixtures/**
    reason: Fake tokens.
    owner: dev@example.com
    expires: 2026-06-30
    name: test-fixtures
vex:
  - vex/app.openvex.json
scan:
  scanners: [vuln, secret]
  skip_dirs: [node_modules]
secret:
  entropy_threshold: 4.5
misconfig:
  checks: {disable: [DS-002]}
"""


def write(tmp_path: Path, text: str, name: str = "bastion.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_config(tmp_path: Path) -> None:
    (tmp_path / "vex").mkdir()
    (tmp_path / "vex" / "app.openvex.json").write_bytes(
        (Path(__file__).with_name("data") / "app.openvex.json").read_bytes()
    )
    cfg = load_config(write(tmp_path, FULL))
    p = cfg.policy
    assert p.exit_code == 4
    assert p.vulnerability.severity == SeverityRule(severities=frozenset({Severity.CRITICAL, Severity.HIGH}))
    assert p.vulnerability.ignore_unfixed and p.vulnerability.epss_threshold == 0.05
    assert p.misconfig.severity == SeverityRule(threshold=Severity.MEDIUM)
    assert p.misconfig.fail_rules == {"DS-001"} and p.misconfig.ignore_rules == {"K8S-010"}
    assert p.license.deny == {"AGPL-3.0-only"} and p.license.allow == {"MIT", "Apache-2.0"}
    assert [(w.id, w.kind, w.expires, w.source.rsplit(":", 1)[1]) for w in p.waivers] == [
        ("CVE-2024-0004", None, date(2026, 12, 31), "17"),
        (None, FindingKind.SECRET, date(2026, 6, 30), "22"),
    ]
    assert p.waivers[1].label == "test-fixtures"
    assert len(p.vex) == 3
    assert cfg.scanners == ("vuln", "secret") and cfg.skip_dirs == ("node_modules",)
    assert cfg.settings == {
        "secret": {"entropy_threshold": 4.5},
        "misconfig": {"checks": {"disable": ["DS-002"]}},
    }


def test_empty_file_is_the_default_policy(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, "# nothing yet\n"))
    assert cfg.policy.vulnerability.severity == SeverityRule(threshold=Severity.HIGH)
    assert cfg.policy.misconfig.severity == SeverityRule(threshold=Severity.HIGH)
    assert cfg.policy.exit_code == 1 and cfg.policy.waivers == ()


BAD = [
    (
        "policy:\n  vulnerability:\n    severity: hgih\n",
        r"bastion\.yaml:3: policy\.vulnerability\.severity: unknown severity 'hgih'",
    ),
    ("policy:\n  vulnerabilty:\n    severity: high\n", r"bastion\.yaml:2: policy\.vulnerabilty: unknown key"),
    (
        "policy:\n  exit_code: 300\n",
        r"bastion\.yaml:2: policy\.exit_code: Input should be less than or equal to 255",
    ),
    (
        "policy:\n  vulnerability:\n    epss_threshold: 5\n",
        r"bastion\.yaml:3: policy\.vulnerability\.epss_threshold",
    ),
    (
        "policy:\n  vulnerability:\n    ignore_unfixed: perhaps\n",
        r"bastion\.yaml:3: policy\.vulnerability\.ignore_unfixed: Input should be a valid boolean",
    ),
    (
        "waivers:\n  - id: CVE-1\n    reason: r\n    owner: o\n",
        r"bastion\.yaml:2: waivers\[0\]\.expires: missing required key 'expires'",
    ),
    (
        "waivers:\n  - id: CVE-1\n    reason: r\n    owner: o\n    expires: 2026-13-01\n",
        r"bastion\.yaml:5: waivers\[0\]\.expires: Input should be a valid date",
    ),
    (
        "waivers:\n  - reason: r\n    owner: o\n    expires: 2026-01-01\n",
        r"bastion\.yaml:2: waivers\[0\]: a waiver needs 'id', 'fingerprint' or 'kind'",
    ),
    (
        "waivers:\n  - id: CVE-1\n    reason: ''\n    owner: o\n    expires: 2026-01-01\n",
        r"bastion\.yaml:3: waivers\[0\]\.reason: String should have at least 1 character",
    ),
    (
        "waivers:\n  - id: CVE-1\n    reason: r\n    owner: o\n    expires: 2026-01-01\n    justification: because\n",
        r"bastion\.yaml:6: waivers\[0\]\.justification",
    ),
    (
        "waivers:\n  - id: CVE-1\n    kind: virus\n    reason: r\n    owner: o\n    expires: 2026-01-01\n",
        r"bastion\.yaml:3: waivers\[0\]\.kind",
    ),
    ("vex:\n  - missing.json\n", r"bastion\.yaml:2: vex\[0\]: VEX document 'missing.json' not found"),
    ("secret: [1, 2]\n", r"bastion\.yaml:1: secret: Input should be a valid dictionary"),
    ("colour: red\n", r"bastion\.yaml:1: colour: unknown key"),
    ("- just\n- a list\n", r"bastion\.yaml:1: expected a mapping"),
    ("policy:\n  vulnerability: {severity: high\n", r"bastion\.yaml:3: invalid YAML"),
    ("a: &a [1]\nb: *a\n---\nc: 1\n", r"bastion\.yaml:3: invalid YAML: but found another document"),
    ("version: 2\n", r"bastion\.yaml:1: version: Input should be 1"),
]


@pytest.mark.parametrize(("text", "pattern"), BAD, ids=[p.split(": ", 2)[-1][:40] for _, p in BAD])
def test_malformed_config_names_file_key_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, pattern: str
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=pattern) as info:
        load_config(write(tmp_path, text))
    assert info.value.exit_code == 2


def test_alias_bomb_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    with pytest.raises(ConfigError, match="aliases are expanded"):
        load_config(write(tmp_path, "\n".join(lines) + "\n"))


def test_waiver_file_accepts_a_list_or_a_section(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    item = "- id: CVE-1\n  reason: r\n  owner: o\n  expires: 2026-01-01\n"
    assert load_waivers(write(tmp_path, item, "w.yaml"))[0].source == "w.yaml:1"
    assert (
        load_waivers(write(tmp_path, "waivers:\n" + textwrap.indent(item, "  "), "w2.yaml"))[0].id == "CVE-1"
    )
    with pytest.raises(ConfigError, match=r"w3\.yaml:2: waivers\[0\]\.owner: missing"):
        load_waivers(
            write(
                tmp_path, "waivers:\n  - id: CVE-1\n    reason: r\n    expires: 2026-01-01\n", "w3.yaml"
            ).resolve()
        )


def test_discovery_prefers_the_target_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "project"
    project.mkdir()
    here = tmp_path / "here"
    here.mkdir()
    write(here, "policy: {exit_code: 3}\n")
    monkeypatch.chdir(here)
    assert find_config(str(project), "fs") == here / "bastion.yaml"
    write(project, "policy: {exit_code: 5}\n", ".bastion.yaml")
    assert find_config(str(project), "fs") == project / ".bastion.yaml"
    assert find_config("alpine:3.19", "image") == here / "bastion.yaml"
    cfg = resolve(config_path=None, target=str(project), kind="fs", overrides=PolicyOverrides())
    assert cfg.policy.exit_code == 5
    assert (
        resolve(
            config_path=None, target=str(project), kind="fs", overrides=PolicyOverrides(), discover=False
        ).policy.exit_code
        == 1
    )
    with pytest.raises(ConfigError, match="no such file"):
        resolve(config_path=tmp_path / "nope.yaml", target=None, kind=None, overrides=PolicyOverrides())


def test_cli_overrides_win(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = load_config(
        write(tmp_path, "policy:\n  vulnerability: {severity: critical}\n  misconfig: {severity: low}\n")
    )
    out = apply_overrides(
        cfg,
        PolicyOverrides(
            severity="medium",
            exit_code=9,
            known_exploited_only=True,
            license_deny=("GPL-3.0-only",),
            fail_rules=("DS-9",),
        ),
    )
    p = out.policy
    assert p.vulnerability.severity == SeverityRule(threshold=Severity.MEDIUM)
    assert p.misconfig.severity == SeverityRule(threshold=Severity.MEDIUM)
    assert p.exit_code == 9 and p.vulnerability.known_exploited_only
    assert p.license.deny == {"GPL-3.0-only"} and p.misconfig.fail_rules == {"DS-9"}
    assert p.source == "bastion.yaml + command line"
    assert apply_overrides(
        cfg, PolicyOverrides(misconfig_severity="critical,high")
    ).policy.misconfig.severity.severities == {Severity.CRITICAL, Severity.HIGH}
    for bad in (
        PolicyOverrides(severity="urgent"),
        PolicyOverrides(epss_threshold=2.0),
        PolicyOverrides(exit_code=256),
    ):
        with pytest.raises(UsageError):
            apply_overrides(cfg, bad)
