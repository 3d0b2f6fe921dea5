from bastion.cli.main import main


def test_version_command_runs(capsys):
    assert main(["version"]) == 0
    assert "bastion" in capsys.readouterr().out
