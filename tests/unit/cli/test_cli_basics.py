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


def test_file_names_that_are_not_utf8_never_crash_a_report(tmp_path, capsys):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    import bastion

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    root = tmp_path / "src"
    root.mkdir()
    with open(bytes(root) + b"/caf\xe9.pem", "wb") as fh:
        fh.write(pem)
    out = tmp_path / "r.json"
    args = ["scan", "fs", str(root), "-q", "--scanners", "secret", "--exit-code", "0"]
    assert main([*args, "-o", f"json={out}", "-o", f"table={tmp_path / 'r.txt'}"]) == 0
    result = bastion.load_result(out.read_text(encoding="utf-8"))
    # the name reads back as Python's own spelling of the undecodable byte: lossless
    assert [f.location.path for f in result.findings] == ["caf\udce9.pem"]
    assert "caf\\udce9.pem" in (tmp_path / "r.txt").read_text(encoding="utf-8")
