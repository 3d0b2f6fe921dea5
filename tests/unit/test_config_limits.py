"""scan.limits in bastion.yaml: the safety limits are configurable, validated, and reach the scan."""

import json

from bastion.cli.main import main
from bastion.config import LimitsModel
from bastion.fs.limits import DEFAULT_LIMITS, GiB, KiB, MiB


def test_sizes_accept_units_and_plain_numbers():
    limits = LimitsModel(max_scan_size="64MiB", max_total_bytes="2 GiB", max_parse_bytes=4096).apply(
        DEFAULT_LIMITS
    )
    assert (limits.max_scan_size, limits.max_total_bytes, limits.max_parse_bytes) == (64 * MiB, 2 * GiB, 4096)
    assert limits.max_files == DEFAULT_LIMITS.max_files  # untouched fields keep their defaults
    assert LimitsModel(ratio_grace_bytes="1kb").apply(DEFAULT_LIMITS).ratio_grace_bytes == 1000


def test_configured_limit_applies_to_the_scan(tmp_path, capsys):
    (tmp_path / "big.txt").write_text("x" * (3 * KiB) + "\n")
    (tmp_path / "bastion.yaml").write_text("scan:\n  limits:\n    max_scan_size: 1KiB\n")
    assert main(["scan", "fs", str(tmp_path), "--scanners", "secret", "-q", "-f", "json"]) == 0
    errors = json.loads(capsys.readouterr().out)["errors"]
    assert any(e["path"] == "big.txt" and "1024-byte" in e["message"] for e in errors)


def test_bad_limit_is_a_config_error_with_file_and_line(tmp_path, capsys):
    (tmp_path / "bastion.yaml").write_text("scan:\n  limits:\n    max_scan_size: lots\n")
    assert main(["scan", "fs", str(tmp_path), "-q"]) == 2
    assert "bastion.yaml:3: scan.limits.max_scan_size" in capsys.readouterr().err
