import shutil
import subprocess

import pytest

from bastion.targets.git import GitTarget

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs the git CLI")


def test_repo_targets_leave_out_what_git_ignores(tmp_path):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "app.py").write_text("print('hi')\n")
    (repo / ".venv" / "lib").mkdir(parents=True)
    (repo / ".venv" / "lib" / "x.py").write_text("x = 1\n")
    (repo / "build").mkdir()
    (repo / "build" / "out.bin").write_bytes(b"\0")
    (repo / "notes.log").write_text("log\n")
    (repo / "new.txt").write_text("untracked, not ignored\n")
    (repo / ".gitignore").write_text(".venv/\nbuild/\n*.log\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["git", "-C", str(repo), "add", "src", ".gitignore"], check=True)

    with GitTarget(str(repo)).open() as tree:
        paths = sorted(e.path for e in tree.walk() if e.is_file)
    assert paths == [".gitignore", "new.txt", "src/app.py"]
