import os
import socket

import pytest

from bastion.fs.limits import Limits
from bastion.model import FileType
from bastion.targets.base import FileNotInTreeError
from bastion.targets.directory import DirectoryTarget, DirectoryTree


@pytest.fixture
def tree_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "usr/lib").mkdir(parents=True)
    (root / "usr/lib/os-release").write_text('ID=debian\nVERSION_ID="12"\n')
    os.symlink("../usr/lib/os-release", root / "etc/os-release")
    (root / "app").mkdir()
    (root / "app/requirements.txt").write_text("requests==2.0\n")
    (root / "app/cache.pyc").write_bytes(b"\0")
    (root / ".git").mkdir()
    (root / ".git/config").write_text("[core]\n")
    (root / "node_modules/x").mkdir(parents=True)
    (root / "node_modules/x/package.json").write_text("{}")
    # a link that points outside the root, and a loop
    (tmp_path / "secret.txt").write_text("host secret")
    os.symlink(str(tmp_path / "secret.txt"), root / "app/escape")
    os.symlink("loop2", root / "loop1")
    os.symlink("loop1", root / "loop2")
    os.mkfifo(root / "app/fifo")
    return root


def paths(tree):
    return [e.path for e in tree.walk()]


def test_walk_lists_without_following_links(tree_root):
    tree = DirectoryTree(tree_root)
    got = {e.path: e for e in tree.walk()}
    assert got["etc/os-release"].type is FileType.SYMLINK
    assert got["etc/os-release"].link == "../usr/lib/os-release"
    assert got["app/fifo"].type is FileType.OTHER
    assert ".git/config" not in got and ".git" not in got  # skipped by default
    assert got["app/requirements.txt"].size == len("requests==2.0\n")
    # deterministic order: parents before children, names sorted
    order = paths(tree)
    assert order.index("app") < order.index("app/requirements.txt")
    assert order == paths(DirectoryTree(tree_root))


def test_read_resolves_symlinks_inside_root(tree_root):
    tree = DirectoryTree(tree_root)
    with tree.open("etc/os-release") as fh:
        assert b"debian" in fh.read()
    # the absolute link is re-rooted: the tree has no /<tmp>/secret.txt, so it is not found
    with pytest.raises(FileNotInTreeError):
        tree.open("app/escape")
    with pytest.raises(FileNotInTreeError, match="loop"):
        tree.open("loop1")


def test_fifo_is_never_opened(tree_root):
    tree = DirectoryTree(tree_root)
    with pytest.raises(FileNotInTreeError, match="not a regular file"):
        tree.open("app/fifo")


def test_sockets_are_listed_not_opened(tmp_path):
    path = tmp_path / "s.sock"
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(path))
        tree = DirectoryTree(tmp_path)
        entry = next(e for e in tree.walk() if e.path == "s.sock")
        assert entry.type is FileType.OTHER
        with pytest.raises(FileNotInTreeError):
            tree.open("s.sock")
    finally:
        sock.close()


def test_skip_globs(tree_root):
    tree = DirectoryTree(tree_root, skip_dirs=["node_modules"], skip_files=["*.pyc"])
    got = paths(tree)
    assert "app/cache.pyc" not in got
    assert not any(p.startswith("node_modules") for p in got)
    assert "app/requirements.txt" in got


def test_limits_are_reported_not_fatal(tree_root):
    tree = DirectoryTree(tree_root, limits=Limits(max_files=3))
    assert len(paths(tree)) == 3
    assert any("entries" in e.message for e in tree.errors)
    deep = tree_root / "d"
    cur = deep
    for i in range(6):
        cur = cur / str(i)
    cur.mkdir(parents=True)
    tree = DirectoryTree(tree_root, limits=Limits(max_depth=3))
    list(tree.walk())
    assert any("deeper than 3" in e.message for e in tree.errors)


def test_single_file_target(tree_root):
    target = DirectoryTarget(tree_root / "app/requirements.txt")
    with target.open() as tree:
        assert paths(tree) == ["requirements.txt"]
        with tree.open("requirements.txt") as fh:
            assert fh.read() == b"requests==2.0\n"
