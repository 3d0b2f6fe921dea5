"""End to end: `bastion db update --from <mirror>`, then `bastion scan fs` reports the right CVEs.

The expected CVEs are read independently from the committed OSV records (a record lists the package
and, in its ``versions``, the pinned version), not from bastion's matcher.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bastion.cli.main import main
from tests._support.vulndb import OSV_FIXTURES, build_mirror

PINS = {"requests": "2.19.0", "django": "1.6.2"}


def expected_cves() -> set[str]:
    out: set[str] = set()
    for f in OSV_FIXTURES.glob("PyPI/*.json"):
        rec = json.loads(f.read_bytes())
        if rec.get("withdrawn"):
            continue
        for a in rec["affected"]:
            pin = PINS.get(a["package"]["name"].lower())
            if pin and pin in a.get("versions", []):
                out.update(x for x in rec.get("aliases", []) if x.startswith("CVE-"))
    return out


@pytest.fixture
def project(tmp_path: Path) -> Path:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "requirements.txt").write_text("requests==2.19.0\nDjango==1.6.2\nflask>=2\n")
    return proj


def test_db_update_then_scan_reports_the_cves(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
):
    mirror = build_mirror(tmp_path / "mirror")
    db = tmp_path / "cache" / "vuln.db"
    assert main(["db", "update", "--from", str(mirror), "--db", str(db), "-q"]) == 0
    assert "osv:PyPI" in capsys.readouterr().out
    want = expected_cves()
    assert want == {"CVE-2018-18074", "CVE-2023-32681", "CVE-2014-0472"}

    out_json = tmp_path / "out.json"
    code = main(
        [
            "scan",
            "fs",
            str(project),
            "--db",
            str(db),
            "--skip-db-update",
            "--scanners",
            "vuln",
            "--output",
            f"table={tmp_path / 'out.txt'}",
            "--output",
            f"json={out_json}",
            "-q",
        ]
    )
    assert code == 0
    table = (tmp_path / "out.txt").read_text()
    for cve in want:
        assert cve in table
    doc = json.loads(out_json.read_text())
    vulns = [f for f in doc["findings"] if f["kind"] == "vulnerability"]
    assert {f["id"] for f in vulns} == want
    by_id = {f["id"]: f for f in vulns}
    assert by_id["CVE-2018-18074"]["fixed_versions"] == ["2.20.0"]
    assert "PYSEC-2018-28" in by_id["CVE-2018-18074"]["aliases"]
    assert by_id["CVE-2014-0472"]["installed_version"] == "1.6.2"
    assert all(f["fingerprint"].startswith("vuln:") for f in vulns)
    assert set(doc["db"]["sources"]) >= {"osv:PyPI", "kev"}
    # the unpinned requirement is reported, not silently ignored, when it has advisories (flask has none here)
    assert not any("flask" in e["message"] for e in doc["errors"])


def test_db_status_and_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    mirror = build_mirror(tmp_path / "mirror")
    db = tmp_path / "vuln.db"
    assert main(["db", "status", "--db", str(db)]) == 1
    assert main(["db", "update", "--from", str(mirror), "--db", str(db), "-q"]) == 0
    rec = json.loads((OSV_FIXTURES / "npm" / "GHSA-78xj-cgh5-2h22.json").read_bytes())
    rec["id"] = "LOCAL-1"
    f = tmp_path / "local.json"
    f.write_text(json.dumps(rec))
    assert main(["db", "import", str(f), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["db", "status", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "osv:npm" in out and "import" in out and "alpine-secdb" in out


def test_fresh_offline_machine_uses_the_bundled_snapshot(
    tmp_path: Path, project: Path, capsys: pytest.CaptureFixture[str]
):
    out_json = tmp_path / "out.json"
    code = main(
        [
            "scan",
            "fs",
            str(project),
            "--cache-dir",
            str(tmp_path / "fresh"),
            "--offline",
            "--scanners",
            "vuln",
            "--format",
            "json",
            "--output",
            str(out_json),
        ]
    )
    assert code == 0
    assert "bundled offline vulnerability snapshot" in capsys.readouterr().err
    ids = {f["id"] for f in json.loads(out_json.read_text())["findings"]}
    assert expected_cves() <= ids
    assert (tmp_path / "fresh" / "db" / "vuln.db").is_file()


def test_version_describes_the_db(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("BASTION_CACHE_DIR", str(tmp_path))
    assert main(["version"]) == 0
    assert "not installed" in capsys.readouterr().out
