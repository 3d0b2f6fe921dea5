"""The real CLI on secrets: directories, a git repository with --history, images (a built one and the
bundled sample), baselines, bastion.yaml settings, rules listing and gitleaks import."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bastion.cli.main import main
from tests._support.images import Layer, Whiteout, build_oci_layout
from tests.fixtures.secrets.generate import Gen, crc_token

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "samples" / "vulnerable-app"


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def secrets() -> dict[str, str]:
    g = Gen(2024)
    return {
        "ghp": crc_token("ghp_", g),
        "npm": crc_token("npm_", g),
        "akia": "AKIA" + g.b32(16),
        "aws": g.aws_secret(),
        "pw": g.password(16),
    }


@pytest.fixture
def project(tmp_path: Path, secrets: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "src").mkdir(parents=True)
    (root / "src" / "client.py").write_text(f'import requests\n\nTOKEN = "{secrets["ghp"]}"\n')
    (root / ".npmrc").write_text(f"//registry.npmjs.org/:_authToken={secrets['npm']}\n")
    (root / "deploy.env").write_text(f"DB_PASSWORD={secrets['pw']}\n")
    (root / "README.md").write_text("Set AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE in your shell.\n")
    monkeypatch.chdir(tmp_path)
    return root


def findings(out: str) -> list[dict[str, object]]:
    return json.loads(out)["findings"]


def test_fs_scan_json_and_gate(
    project: Path, secrets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["scan", "fs", str(project), "--scanners", "secret", "-f", "json", "-q"], capsys)
    assert code == 1 and "gate failed" in err
    got = {(f["id"], f["location"]["path"], f["location"]["line"]) for f in findings(out)}  # type: ignore[index]
    assert got == {
        ("github-pat", "src/client.py", 3),
        ("npm-access-token", ".npmrc", 1),
        ("generic-secret-config", "deploy.env", 1),
    }
    for value in secrets.values():
        assert value not in out and value not in err
    # the table report shows redacted values only, too
    code, out, _err = run(["scan", "fs", str(project), "--scanners", "secret", "-q"], capsys)
    assert "github-pat" in out and secrets["ghp"] not in out


def test_baseline_then_clean_gate(
    project: Path, secrets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    baseline = project / ".bastion-secrets-baseline.json"
    code, _out, err = run(["secrets", "baseline", str(project), "-o", str(baseline)], capsys)
    assert code == 0 and "3 secret finding(s) recorded" in err
    text = baseline.read_text()
    assert all(v not in text for v in secrets.values())
    code, out, _err = run(["scan", "fs", str(project), "--scanners", "secret", "-f", "json", "-q"], capsys)
    assert code == 0
    assert all(f["suppressed"]["by"] == "baseline" for f in findings(out))  # type: ignore[index]
    # a new secret is not in the baseline and fails the gate again
    (project / "src" / "new.py").write_text(f'K = "{crc_token("ghp_", Gen(5))}"\n')
    code, out, _err = run(["scan", "fs", str(project), "--scanners", "secret", "-f", "json", "-q"], capsys)
    assert code == 1
    assert [f["location"]["path"] for f in findings(out) if f["suppressed"] is None] == ["src/new.py"]  # type: ignore[index]


def test_bastion_yaml_settings(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "rules").mkdir()
    (project / "rules" / "acme.yaml").write_text(
        "rules: [{id: acme-token, title: ACME token, severity: medium, token: 'acme_[a-z0-9]{32}', keywords: [acme_]}]\n"
    )
    (project / "src" / "acme.py").write_text(f'ACME = "acme_{Gen(3).lo(32)}"\n')
    (project / "bastion.yaml").write_text(
        "secret:\n  rules: [rules/acme.yaml]\n  disable: [generic-secret-config]\n  allow:\n    paths: ['.npmrc']\n"
    )
    _code, out, _err = run(["scan", "fs", str(project), "--scanners", "secret", "-f", "json", "-q"], capsys)
    by = {f["id"]: f for f in findings(out)}
    assert set(by) == {"github-pat", "npm-access-token", "acme-token"}
    assert by["npm-access-token"]["suppressed"]["by"] == "config"  # type: ignore[index]
    assert by["acme-token"]["severity"] == "medium"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_repo_history(tmp_path: Path, secrets: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    env = {
        "GIT_AUTHOR_NAME": "Ann",
        "GIT_AUTHOR_EMAIL": "ann@example.org",
        "GIT_COMMITTER_NAME": "Ann",
        "GIT_COMMITTER_EMAIL": "ann@example.org",
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args], env=env, check=True, capture_output=True, text=True
        ).stdout

    git("init", "-q", "-b", "main")
    (root / "config.py").write_text("DEBUG = False\n")
    git("add", ".")
    git("commit", "-q", "-m", "init")
    (root / "config.py").write_text(
        f'DEBUG = False\nAWS_ACCESS_KEY_ID = "{secrets["akia"]}"\nAWS_SECRET_ACCESS_KEY = "{secrets["aws"]}"\n'
    )
    git("commit", "-q", "-am", "add aws")
    commit = git("rev-parse", "HEAD").strip()
    (root / "config.py").write_text("DEBUG = False\n")
    git("commit", "-q", "-am", "oops, remove")
    code, out, _err = run(["scan", "repo", str(root), "--scanners", "secret", "-f", "json", "-q"], capsys)
    assert code == 0 and findings(out) == []
    code, out, _err = run(
        ["scan", "repo", str(root), "--history", "--scanners", "secret", "-f", "json", "-q"], capsys
    )
    assert code == 1
    got = {f["id"]: f for f in findings(out)}
    assert set(got) == {"aws-access-key-id", "aws-secret-access-key"}
    ev = got["aws-access-key-id"]["evidence"]
    assert ev["commit"] == commit and ev["author"] == "Ann <ann@example.org>" and ev["date"]  # type: ignore[index]
    assert got["aws-secret-access-key"]["location"]["line"] == 3  # type: ignore[index]
    assert secrets["aws"] not in out


def test_built_image_layers_and_config(
    tmp_path: Path, secrets: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    build_oci_layout(
        tmp_path / "img",
        layers=[
            Layer({"etc/os-release": b"ID=alpine\nVERSION_ID=3.19.1\n"}, created_by="ADD rootfs /"),
            Layer(
                {"app/.npmrc": f"//registry.npmjs.org/:_authToken={secrets['npm']}\n".encode()},
                created_by="COPY .npmrc /app/",
            ),
            Layer({"app/.npmrc": Whiteout()}, created_by="RUN npm ci && rm /app/.npmrc"),
        ],
        config={"config": {"Env": ["PATH=/bin", f"GH_TOKEN={secrets['ghp']}"]}},
    )
    code, out, _err = run(
        [
            "scan",
            "image",
            f"oci:{tmp_path / 'img'}",
            "--scanners",
            "secret",
            "-f",
            "json",
            "-q",
            "--cache-dir",
            str(tmp_path / "c"),
        ],
        capsys,
    )
    assert code == 1
    got = {f["id"]: f for f in findings(out)}
    npm = got["npm-access-token"]
    assert npm["evidence"]["deleted_in_later_layer"] is True  # type: ignore[index]
    assert npm["location"]["layer"] == json.loads(out)["target"]["layers"][1]["diff_id"]  # type: ignore[index]
    assert npm["evidence"]["extra"]["layer_created_by"] == "COPY .npmrc /app/"  # type: ignore[index]
    assert got["github-pat"]["location"] == {
        "path": "image-config",
        "layer": None,
        "line": None,
        "end_line": None,
        "resource": "config.env[1]",
    }


def test_sample_image_deleted_aws_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(
        [
            "scan",
            "image",
            f"oci:{SAMPLE}",
            "--scanners",
            "secret",
            "-f",
            "json",
            "-q",
            "--cache-dir",
            str(tmp_path),
        ],
        capsys,
    )
    assert code == 1
    doc = json.loads(out)
    layers = doc["target"]["layers"]
    aws = [f for f in doc["findings"] if f["id"].startswith("aws-")]
    assert {f["id"] for f in aws} == {"aws-access-key-id", "aws-secret-access-key"}
    for f in aws:
        assert f["location"]["path"] == "root/.aws/credentials"
        assert f["location"]["layer"] == layers[2]["diff_id"]
        assert f["evidence"]["deleted_in_later_layer"] is True
        assert "COPY config/credentials" in f["description"]
    env = {f["location"]["resource"] for f in doc["findings"] if f["location"]["path"] == "image-config"}
    assert "config.env[1]" in env  # DB_PASSWORD


def test_rules_listing_and_gitleaks_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(["secrets", "rules", "-f", "json"], capsys)
    assert code == 0 and len(json.loads(out)) >= 150
    toml = tmp_path / "gl.toml"
    toml.write_text("[[rules]]\nid = 'corp-key'\nregex = '''corp_[a-f0-9]{32}'''\nkeywords = ['corp_']\n")
    code, out, _err = run(
        ["secrets", "import-gitleaks", str(toml), "-o", str(tmp_path / "corp.yaml")], capsys
    )
    assert code == 0 and "id: corp-key" in (tmp_path / "corp.yaml").read_text()


def test_the_installed_executable(project: Path) -> None:
    exe = Path(sys.executable).parent / "bastion"
    if not exe.exists():
        pytest.skip("bastion is not installed in this environment")
    proc = subprocess.run(
        [str(exe), "scan", "fs", str(project), "--scanners", "secret", "-f", "json", "-q"],
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1
    assert {f["id"] for f in json.loads(proc.stdout)["findings"]} == {
        "github-pat",
        "npm-access-token",
        "generic-secret-config",
    }
