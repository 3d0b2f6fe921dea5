"""The real CLI on IaC: ``bastion scan config``/``fs``/``image`` with the misconfig scanner."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bastion.cli.main import main
from tests._support.images import Layer, build_oci_layout

ROOT = Path(__file__).resolve().parents[2]
IAC = ROOT / "tests" / "fixtures" / "iac"
SAMPLE = ROOT / "samples" / "vulnerable-app"


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main([*args, "--format", "json", "--quiet", "--no-config"])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def ids(result: dict) -> set[str]:
    return {f["id"] for f in result["findings"]}


def test_scan_config_directory_end_to_end(capsys: pytest.CaptureFixture[str]) -> None:
    code, result = run_json(["scan", "config", str(IAC)], capsys)
    assert code == 1  # high findings fail the default gate
    assert result["target"]["kind"] == "config"
    found = ids(result)
    for prefix in ("BST-K8S-", "BST-DF-", "BST-DC-", "BST-AWS-", "BST-AZ-", "BST-GCP-", "BST-TF-"):
        assert any(i.startswith(prefix) for i in found), prefix
    # evidence: file, line range, resource address, offending value, remediation, compliance
    sg = next(
        f
        for f in result["findings"]
        if f["id"] == "BST-AWS-007" and f["location"]["path"] == "terraform/aws-insecure/main.tf"
    )
    assert sg["location"] == {
        "path": "terraform/aws-insecure/main.tf",
        "layer": None,
        "line": 61,
        "end_line": 66,
        "resource": "aws_security_group.admin",
    }
    assert sg["evidence"]["offending_value"] == '["0.0.0.0/0"]'
    assert sg["evidence"]["remediation"]
    assert {"framework": "CIS AWS Foundations Benchmark v3.0.0", "control": "5.2"} in sg["evidence"][
        "compliance"
    ]
    priv = next(f for f in result["findings"] if f["id"] == "BST-K8S-001")
    assert priv["location"]["resource"] == "Deployment/shop/web" and priv["location"]["line"] == 32
    # secure counterparts produce nothing
    assert not [
        f
        for f in result["findings"]
        if "/secure/" in f["location"]["path"] or "-secure/" in f["location"]["path"]
    ]
    # bad input: one clear error per file, the scan went on
    errors = {e["path"]: e["message"] for e in result["errors"]}
    assert errors["bad/broken.tf"].startswith("bad/broken.tf:6: invalid HCL")
    assert errors["bad/broken-manifest.yaml"].startswith("bad/broken-manifest.yaml:7: invalid YAML")
    assert errors["bad/broken-template.json"].startswith("bad/broken-template.json:4: invalid JSON")
    assert "alias bomb" in errors["bad/billion-laughs.yaml"]
    misconfig = (
        next(p for p in result.get("plugins", []) if p["name"] == "misconfig")
        if "plugins" in result
        else None
    )
    assert misconfig is None or misconfig["state"] in ("succeeded", "partial")


def test_scan_fs_includes_misconfig_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = tmp_path / "svc"
    shutil.copytree(IAC / "docker" / "insecure", project / "docker")
    shutil.copytree(IAC / "compose" / "secure", project / "deploy")
    (project / "bastion.yaml").write_text("misconfig:\n  skip_checks: [BST-DF-008]\n")
    code = main(["scan", "fs", str(project), "--scanners", "misconfig", "--format", "json", "--quiet"])
    result = json.loads(capsys.readouterr()[0])
    assert code == 1
    df = [f for f in result["findings"] if f["id"].startswith("BST-DF-")]
    assert {f["location"]["path"] for f in df} == {
        "docker/Dockerfile",
        "docker/api.Dockerfile",
        "docker/Dockerfile.worker",
    }
    healthchecks = [f for f in df if f["id"] == "BST-DF-008"]
    assert healthchecks and all(f["suppressed"]["by"] == "config" for f in healthchecks)
    code = main(["scan", "fs", str(project), "--format", "json", "--quiet", "--offline", "--no-config"])
    result = json.loads(capsys.readouterr()[0])
    assert "misconfig" in result.get("provenance", {}).get("scanners", ["misconfig"]) or any(
        f["kind"] == "misconfig" for f in result["findings"]
    )
    assert any(f["kind"] == "misconfig" for f in result["findings"])


def test_scan_config_reads_helm_template_from_stdin() -> None:
    rendered = (IAC / "k8s" / "insecure" / "helm-rendered.yaml").read_bytes()
    exe = Path(sys.executable).with_name("bastion")
    cmd = (
        [str(exe)]
        if exe.exists()
        else [sys.executable, "-c", "import sys; from bastion.cli.main import main; sys.exit(main())"]
    )
    proc = subprocess.run(
        [*cmd, "scan", "config", "-", "--format", "json", "--quiet", "--no-config", "--exit-code", "0"],
        input=rendered,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    result = json.loads(proc.stdout)
    deploy = [f for f in result["findings"] if f["location"]["resource"] == "Deployment/default/release-shop"]
    assert deploy and all(f["location"]["path"] == "stdin.yaml" for f in deploy)
    assert any("rendered from shop/templates/deployment.yaml" in f["description"] for f in deploy)
    test_pod = [
        f
        for f in result["findings"]
        if f["location"]["resource"] == "Pod/default/release-shop-test-connection"
    ]
    assert {f["id"] for f in test_pod if f["suppressed"]} == {"BST-K8S-020", "BST-K8S-021"}


def test_scan_image_config_checks_on_sample(capsys: pytest.CaptureFixture[str]) -> None:
    _, result = run_json(["scan", "image", f"oci:{SAMPLE}", "--scanners", "misconfig"], capsys)
    found = {(f["id"], f["evidence"]["offending_value"]) for f in result["findings"]}
    assert ("BST-IMG-001", "root") in found
    assert ("BST-IMG-002", "DB_PASSWORD") in found
    assert all(
        f["location"]["resource"] == "config" for f in result["findings"] if f["id"].startswith("BST-IMG")
    )


def test_scan_image_built_here(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = tmp_path / "img"
    dockerfile = b"FROM debian:12\nRUN curl -sSL https://get.example | sh\n"
    build_oci_layout(
        layout,
        [
            Layer(
                entries={
                    "app/Dockerfile": dockerfile,
                    "etc/hosts": b"127.0.0.1 localhost\n",
                    "var/lib/apt/lists/deb.debian.org_debian_dists_bookworm_InRelease": b"Origin: Debian\n",
                },
                created_by="/bin/sh -c curl -fsSL https://get.example/i.sh | sh",
            ),
            Layer(entries={"app/.wh.Dockerfile": b""}, created_by="RUN rm app/Dockerfile"),
        ],
        config={
            "config": {
                "User": "10001",
                "ExposedPorts": {"22/tcp": {}},
                "Healthcheck": {"Test": ["CMD", "true"]},
            }
        },
    )
    _, result = run_json(["scan", "image", f"oci:{layout}", "--scanners", "misconfig"], capsys)
    found = ids(result)
    assert {"BST-IMG-004", "BST-IMG-006", "BST-IMG-009"} <= found
    assert "BST-IMG-001" not in found and "BST-IMG-003" not in found
    # the Dockerfile deleted by a later layer is not visible, so it is not scanned
    assert not any(i.startswith("BST-DF-") for i in found)
