"""bastion gates its own repository: a secret, malware sample or misconfiguration that lands in the code
without a documented waiver (bastion.yaml) fails this test."""

import json
import shutil

import pytest

from bastion.cli.main import main
from tests._support.paths import REPO

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs a git checkout"
)


def test_bastion_scan_of_its_own_repository_passes(tmp_path):
    out = tmp_path / "self.json"
    rc = main(["scan", "repo", str(REPO), "--history", "--offline", "-q", "-o", f"json={out}"])
    result = json.loads(out.read_text())
    open_findings = [
        (f["kind"], f["id"], (f["location"] or {}).get("path"))
        for f in result["findings"]
        if not f["suppressed"]
    ]
    assert rc == 0, open_findings
    assert result["verdict"]["passed"] is True
