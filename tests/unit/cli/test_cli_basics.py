"""The CLI shell: exit codes, outputs, errors. Runs the real entry point in-process."""

import json

from bastion.cli.main import main


def test_missing_target_is_exit_2(tmp_path, capsys):
    assert main(["scan", "fs", str(tmp_path / "nope"), "-q"]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_unknown_format_is_exit_2(tmp_path, capsys):
    assert main(["scan", "fs", str(tmp_path), "-f", "nonsense", "-q"]) == 2
    assert "unknown format 'nonsense'" in capsys.readouterr().err


def test_unknown_kind_is_usage_error(tmp_path, capsys):
    assert main(["scan", "planet", str(tmp_path)]) == 2


def test_unknown_scanner_is_exit_2(tmp_path, capsys):
    assert main(["scan", "fs", str(tmp_path), "--scanners", "telepathy", "-q"]) == 2
    assert "unknown scanner" in capsys.readouterr().err


def test_json_to_stdout_and_several_outputs(tmp_path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("hello\n")
    out_json = tmp_path / "out" / "r.json"
    out_table = tmp_path / "out" / "r.txt"
    rc = main(
        [
            "scan",
            "fs",
            str(tmp_path / "src"),
            "-q",
            "--scanners",
            "secret",
            "-o",
            f"json={out_json}",
            "-o",
            f"table={out_table}",
        ]
    )
    assert rc == 0
    data = json.loads(out_json.read_text())
    assert data["schema_version"] == "1" and data["target"]["kind"] == "fs"
    assert "Target" in out_table.read_text()
    assert capsys.readouterr().out == ""  # everything went to files

    assert main(["scan", "fs", str(tmp_path / "src"), "-q", "--scanners", "secret", "-f", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["target"]["ref"] == str((tmp_path / "src").resolve())


def test_output_file_with_format(tmp_path):
    dest = tmp_path / "report.json"
    assert (
        main(["scan", "fs", str(tmp_path), "-q", "--scanners", "secret", "-f", "json", "-o", str(dest)]) == 0
    )
    assert json.loads(dest.read_text())["bastion_version"]


def test_bad_severity_is_exit_2(tmp_path, capsys):
    assert main(["scan", "fs", str(tmp_path), "-q", "--severity", "apocalyptic"]) == 2
    assert "--severity" in capsys.readouterr().err
