"""Git history: a secret committed and deleted is still found, with commit, author and date."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bastion.detectors.secrets.history import iter_added_blocks
from bastion.model import SecretEvidence
from bastion.scan import ScanOptions, scan
from bastion.targets.git import GitTarget
from tests.fixtures.secrets.generate import Gen, crc_token

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


def git(root: Path, *args: str) -> str:
    env = {
        "GIT_AUTHOR_NAME": "Dev One",
        "GIT_AUTHOR_EMAIL": "dev@example.org",
        "GIT_COMMITTER_NAME": "Dev One",
        "GIT_COMMITTER_EMAIL": "dev@example.org",
        "GIT_AUTHOR_DATE": "2024-03-01T10:00:00+00:00",
        "GIT_COMMITTER_DATE": "2024-03-01T10:00:00+00:00",
        "HOME": str(root),
        "PATH": "/usr/bin:/bin",
    }
    return subprocess.run(
        ["git", "-C", str(root), *args], check=True, capture_output=True, env=env, text=True
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    tok = crc_token("ghp_", Gen(21))
    (root / "README.md").write_text("# app\n")
    (root / "app.py").write_text("import os\n\n\nTOKEN = os.environ['T']\n")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "initial")
    (root / "app.py").write_text(f'import os\n\n\nTOKEN = "{tok}"\n')
    git(root, "commit", "-q", "-am", "hardcode token")
    added = git(root, "rev-parse", "HEAD").strip()
    (root / "app.py").write_text("import os\n\n\nTOKEN = os.environ['T']\n")
    git(root, "commit", "-q", "-am", "remove token")
    return root, tok, added


def test_added_blocks_map_lines(repo: tuple[Path, str, str]) -> None:
    root, tok, added = repo
    blocks = [b for b in iter_added_blocks(root) if tok.encode() in b.text]
    assert len(blocks) == 1
    (b,) = blocks
    assert (b.commit, b.author, b.path) == (added, "Dev One <dev@example.org>", "app.py")
    assert b.date.startswith("2024-03-01")
    idx = b.text.split(b"\n").index(f'TOKEN = "{tok}"'.encode())
    assert b.file_line(idx + 1) == 4


def test_history_scan_finds_a_deleted_secret(repo: tuple[Path, str, str]) -> None:
    root, _tok, added = repo
    plain = scan(GitTarget(str(root)), ScanOptions(scanners=("secret",), inventory=False))
    assert not [f for f in plain.findings if f.id == "github-pat"]
    hist = scan(GitTarget(str(root), history=True), ScanOptions(scanners=("secret",), inventory=False))
    (f,) = [f for f in hist.findings if f.id == "github-pat"]
    ev = f.evidence
    assert isinstance(ev, SecretEvidence)
    assert (ev.commit, ev.author) == (added, "Dev One <dev@example.org>") and ev.date is not None
    assert f.location is not None and (f.location.path, f.location.line) == ("app.py", 4)
    assert "in git history" in f.title


def test_history_bounds_are_reported(repo: tuple[Path, str, str]) -> None:
    root, _tok, _added = repo
    errors: list[str] = []
    blocks = list(iter_added_blocks(root, max_commits=1, on_error=lambda _p, m: errors.append(m)))
    assert errors and "more than 1 commits" in errors[0]
    assert all(b.commit for b in blocks)


def test_not_a_repository_is_an_error_entry(tmp_path: Path) -> None:
    errors: list[str] = []
    assert list(iter_added_blocks(tmp_path, on_error=lambda _p, m: errors.append(m))) == []
    assert errors and "git log failed" in errors[0]
