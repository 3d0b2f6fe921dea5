"""A malformed detector section in bastion.yaml stops the scan with exit 2: never a silent pass."""

import pytest

from bastion.cli.main import main


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ("secret:\n  no_such_option: 3\n", "secret.no_such_option: unknown key"),
        ("malware:\n  no_such_option: 3\n", "malware.no_such_option: unknown key"),
        ("misconfig:\n  rule_dirs: [x]\n", "misconfig.rule_dirs: unknown key"),
        ("misconfig:\n  rules_files: [missing.yaml]\n", "misconfig.rules_files: missing.yaml not found"),
    ],
)
def test_bad_detector_settings_exit_2(tmp_path, capsys, section, message):
    (tmp_path / "app.txt").write_text("hello\n")
    (tmp_path / "bastion.yaml").write_text(section)
    out = tmp_path / "report.json"
    assert main(["scan", "fs", str(tmp_path), "-q", "--offline", "-o", f"json={out}"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()  # no report for a scan that did not run as configured
