"""The real CLI as CI runs it: policy from bastion.yaml and flags, waivers, VEX, every report format,
exit codes (gate fail → --exit-code N, pass → 0, bad configuration → 2)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

from bastion.cli.main import main

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SCAN = ["scan", "fs", "--scanners", "license", "--quiet"]


def _schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project with an installed GPL-licensed package and an MIT one (licenses read from METADATA)."""
    root = tmp_path / "project"
    for name, lic in (("gplthing", "GPL-3.0-only"), ("mitthing", "MIT")):
        meta = root / "venv" / "lib" / "python3.11" / "site-packages" / f"{name}-1.0.dist-info" / "METADATA"
        meta.parent.mkdir(parents=True)
        meta.write_text(
            f"Metadata-Version: 2.4\nName: {name}\nVersion: 1.0\nLicense-Expression: {lic}\n",
            encoding="utf-8",
        )
    monkeypatch.chdir(tmp_path)
    return root


def write_config(root: Path, text: str) -> Path:
    path = root / "bastion.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_gate_failure_uses_the_exit_code(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([*SCAN, str(project), "--license-deny", "GPL-3.0-only", "--exit-code", "7"], capsys)
    assert code == 7
    assert "gplthing" in out
    assert (
        "gate failed" in err and "[license-denied]" in err and "GPL-3.0-only in pkg:pypi/gplthing@1.0" in err
    )


def test_policy_from_bastion_yaml_in_the_target_root(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(project, "policy:\n  license:\n    allow: [MIT]\n")
    code, _, err = run([*SCAN, str(project)], capsys)
    assert code == 1
    assert "policy: project/bastion.yaml" in err and "license-not-allowed" in err


def test_pass_is_zero(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run([*SCAN, str(project), "--license-deny", "AGPL-3.0-only"], capsys)
    assert code == 0
    assert "gate failed" not in err


def test_waiver_suppresses_and_keeps_the_finding(
    project: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_config(
        project,
        "policy:\n  license:\n    deny: [GPL-3.0-only]\n"
        "waivers:\n  - id: GPL-3.0-only\n    package: pkg:pypi/gplthing\n    reason: Only used by an internal tool.\n"
        "    owner: legal@example.com\n    expires: 2999-01-01\n",
    )
    report = tmp_path / "r.json"
    code, _, err = run([*SCAN, str(project), "-f", "json", "-o", str(report)], capsys)
    assert code == 0, err
    data = json.loads(report.read_text())
    jsonschema.Draft202012Validator(_schema("bastion-result-1.json")).validate(data)
    [finding] = data["findings"]
    assert finding["suppressed"]["by"] == "waiver" and finding["suppressed"]["owner"] == "legal@example.com"
    assert data["verdict"]["passed"] is True and data["verdict"]["applied_waivers"][0]["matched"] == [
        finding["fingerprint"]
    ]


def test_expired_and_unused_waivers_are_reported(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(
        project,
        "policy:\n  license:\n    deny: [GPL-3.0-only]\n"
        "waivers:\n  - id: GPL-3.0-only\n    reason: Temporary.\n    owner: legal@example.com\n    expires: 2020-01-01\n"
        "  - id: CVE-2000-0001\n    reason: Old.\n    owner: sec@example.com\n    expires: 2999-01-01\n",
    )
    code, _, err = run([*SCAN[:-1], str(project)], capsys)  # without --quiet: warnings too
    assert code == 1
    assert "expired 2020-01-01" in err
    assert "waiver GPL-3.0-only expired on 2020-01-01" in err
    assert "waiver CVE-2000-0001 matched no finding" in err


@pytest.mark.parametrize(
    ("files", "extra", "pattern"),
    [
        (
            {"bastion.yaml": "policy:\n  vulnerability:\n    severity: urgent\n"},
            [],
            r"bastion\.yaml:3: policy\.vulnerability\.severity",
        ),
        (
            {"bastion.yaml": "waivers:\n  - id: CVE-1\n    reason: r\n    owner: o\n"},
            [],
            r"bastion\.yaml:2: waivers\[0\]\.expires: missing",
        ),
        ({"bastion.yaml": "policy: [\n"}, [], r"bastion\.yaml:2: invalid YAML"),
        (
            {"w.yaml": "waivers:\n  - id: CVE-1\n    owner: o\n    expires: 2026-01-01\n"},
            ["--waivers", "w.yaml"],
            r"w\.yaml:2: waivers\[0\]\.reason",
        ),
        (
            {
                "v.json": '{"@context": "https://openvex.dev/ns/v0.2.0",\n "statements": [{"vulnerability": {"name": "CVE-1"},\n  "products": ["pkg:pypi/x"], "status": "nope"}]}'
            },
            ["--vex", "v.json"],
            r"v\.json:3: statements\[0\]\.status",
        ),
        ({}, ["--vex", "missing.json"], r"--vex missing\.json: VEX document not found"),
        ({}, ["--config", "missing.yaml"], r"--config missing\.yaml: no such file"),
        ({}, ["--severity", "urgent"], r"--severity: unknown severity 'urgent'"),
    ],
)
def test_bad_configuration_exits_2_naming_file_key_and_line(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    extra: list[str],
    pattern: str,
) -> None:
    for name, text in files.items():
        ((project / name) if name == "bastion.yaml" else tmp_path / name).write_text(text, encoding="utf-8")
    code, out, err = run([*SCAN, str(project), *extra], capsys)
    assert code == 2
    assert out == ""  # never a report (or a pass) on a broken configuration
    assert re.search(pattern, err), err


def test_every_format_at_once_is_valid(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    template = tmp_path / "t.j2"
    template.write_text(
        "{{ target.kind }}: {{ findings | length }} finding(s), passed={{ verdict.passed }}\n",
        encoding="utf-8",
    )
    args = [
        *SCAN,
        str(project),
        "--license-deny",
        "GPL-3.0-only",
        "--exit-code",
        "3",
        "--template",
        str(template),
    ]
    for fmt, name in (
        ("json", "r.json"),
        ("sarif", "r.sarif"),
        ("gitlab", "gl-dependency-scanning-report.json"),
        ("junit", "junit.xml"),
        ("markdown", "r.md"),
        ("html", "r.html"),
        ("table", "r.txt"),
        ("template", "r.txt2"),
    ):
        args += ["--output", f"{fmt}={out / name}"]
    code, stdout, _ = run(args, capsys)
    assert code == 3
    assert stdout == ""  # every report went to a file
    jsonschema.Draft202012Validator(_schema("bastion-result-1.json")).validate(
        json.loads((out / "r.json").read_text())
    )
    sarif = json.loads((out / "r.sarif").read_text())
    jsonschema.Draft4Validator(_schema("sarif-2.1.0-rtm.5.json")).validate(sarif)
    assert sarif["runs"][0]["results"][0]["ruleId"] == "license/GPL-3.0-only"
    gitlab = json.loads((out / "gl-dependency-scanning-report.json").read_text())
    jsonschema.Draft7Validator(_schema("gitlab-15.0.7-dependency-scanning-report-format.json")).validate(
        gitlab
    )
    assert len(gitlab["dependency_files"]) == 2
    junit = JUnitXml.fromfile(str(out / "junit.xml"))
    assert sum(s.failures for s in junit) == 2  # the license finding and the gate
    assert "❌ bastion gate failed" in (out / "r.md").read_text()
    assert "<svg" in (out / "r.html").read_text()
    assert "gplthing" in (out / "r.txt").read_text()
    assert (out / "r.txt2").read_text() == "fs: 1 finding(s), passed=False\n"


def test_vex_export_then_apply(project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "exceptions.yaml"
    cfg.write_text(
        "waivers:\n  - id: CVE-2024-0001\n    package: pkg:pypi/gplthing\n    reason: Not reachable.\n"
        "    owner: sec@example.com\n    expires: 2999-01-01\n",
        encoding="utf-8",
    )
    vex = tmp_path / "bastion.openvex.json"
    code, _, err = run(
        ["vex", "export", "--config", str(cfg), "--author", "sec@example.com", "--output", str(vex)], capsys
    )
    assert code == 0, err
    doc = json.loads(vex.read_text())
    jsonschema.Draft202012Validator(_schema("openvex-0.2.0.json")).validate(doc)
    assert doc["statements"][0]["products"] == [{"@id": "pkg:pypi/gplthing"}]
    # the exported document is a valid --vex input
    code, _, err = run([*SCAN, str(project), "--vex", str(vex)], capsys)
    assert code == 0, err


def test_vex_export_without_waivers_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["vex", "export"], capsys)
    assert code == 2 and out == "" and "no active vulnerability waivers" in err


def test_reasons_are_printed_last_on_stderr(project: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "bastion.cli.main",
            "scan",
            "fs",
            str(project),
            "--scanners",
            "license",
            "--license-deny",
            "GPL-3.0-only",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"NO_COLOR": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1
    assert "gplthing" in proc.stdout and "\x1b[" not in proc.stdout
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines[-2].startswith("gate failed") and lines[-1].strip().startswith("x [license-denied]")


def test_precommit_hook_scans_only_the_given_files(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bastion.cli.commands.precommit import main as hook

    monkeypatch.chdir(project)
    meta = "venv/lib/python3.11/site-packages/gplthing-1.0.dist-info/METADATA"
    assert hook([]) == 0
    assert hook(["--scanners", "secret", meta]) == 0
    write_config(project, "policy:\n  license:\n    deny: [GPL-3.0-only]\n")
    assert hook(["--scanners", "license", meta]) == 1  # the repository's bastion.yaml is the policy
    assert (
        hook(["--scanners", "license", "venv/lib/python3.11/site-packages/mitthing-1.0.dist-info/METADATA"])
        == 0
    )
    write_config(project, "policy: {exit_code: nope}\n")
    assert hook(["--scanners", "license", meta]) == 2
    assert "bastion.yaml:1: policy.exit_code" in capsys.readouterr().err
