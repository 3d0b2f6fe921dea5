import pytest

from bastion.fs.paths import UnsafePathError, compile_globs, join_link, normalize_member, resolve_in_root


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("usr/bin/x", "usr/bin/x"),
        ("./usr/bin/x", "usr/bin/x"),
        ("usr//lib/./x", "usr/lib/x"),
        ("./", ""),
        (".", ""),
        ("dir/", "dir"),
    ],
)
def test_normalize_member(name, expected):
    assert normalize_member(name) == expected


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../x", "a/../../x", "a/..", "C:\\x", "\\\\host\\share", "a\x00b"]
)
def test_normalize_member_refuses_escapes(name):
    with pytest.raises(UnsafePathError):
        normalize_member(name)


@pytest.mark.parametrize(
    ("parent", "target", "expected"),
    [
        ("usr/bin", "python3.11", "usr/bin/python3.11"),
        ("usr/bin", "../lib/x", "usr/lib/x"),
        ("usr/bin", "/etc/shadow", "etc/shadow"),
        ("a", "../../../../etc/shadow", "etc/shadow"),
    ],
)
def test_join_link_is_confined(parent, target, expected):
    assert join_link(parent, target) == expected


def _links(mapping):
    return lambda p: mapping.get(p)


def test_resolve_in_root_chroot_semantics():
    links = {
        "etc/os-release": "../usr/lib/os-release",
        "bin": "usr/bin",
        "usr/bin/escape": "../../../../../etc/shadow",
        "abs": "/opt/app",
    }
    r = lambda p: resolve_in_root(p, _links(links))  # noqa: E731
    assert r("etc/os-release") == "usr/lib/os-release"
    assert r("bin/ls") == "usr/bin/ls"
    assert r("usr/bin/escape") == "etc/shadow"
    assert r("abs/main.py") == "opt/app/main.py"
    assert r("a/../../b") == "b"


def test_resolve_in_root_loop_is_bounded():
    links = {"a": "b", "b": "a"}
    with pytest.raises(UnsafePathError, match="loop"):
        resolve_in_root("a/x", _links(links), max_hops=10)


@pytest.mark.parametrize(
    ("patterns", "path", "matches"),
    [
        (["*.pyc"], "a/b/c.pyc", True),
        (["*.pyc"], "c.pyc", True),
        (["node_modules"], "web/node_modules", True),
        (["node_modules"], "node_modules", True),
        (["/vendor"], "vendor", True),
        (["/vendor"], "src/vendor", False),
        (["**/test/**"], "a/test/b/c.py", True),
        (["src/**/*.js"], "src/a/b/x.js", True),
        (["src/**/*.js"], "src/x.js", True),
        (["src/*.js"], "src/a/x.js", False),
        (["file?.txt"], "x/file1.txt", True),
        (["file?.txt"], "x/file10.txt", False),
        (["[ab].txt"], "a.txt", True),
        (["[!ab].txt"], "a.txt", False),
        ([], "anything", False),
    ],
)
def test_globs(patterns, path, matches):
    assert compile_globs(patterns)(path) is matches
