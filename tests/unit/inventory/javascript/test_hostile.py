"""Hostile and malformed input: every JavaScript extractor fails with an ExtractError (or reports
nothing) quickly, never with another exception, whatever the bytes."""

from __future__ import annotations

import contextlib
import io
import time

import pytest

from bastion.errors import ExtractError
from bastion.fs.limits import Limits, MiB
from bastion.inventory.base import ExtractContext
from bastion.inventory.javascript import EXTRACTORS
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

PATHS = {
    "javascript/package-lock": "package-lock.json",
    "javascript/yarn-lock": "yarn.lock",
    "javascript/pnpm-lock": "pnpm-lock.yaml",
    "javascript/bun-lock": "bun.lock",
    "javascript/node-modules": "node_modules/x/package.json",
}
IDS = [cls.plugin.name for cls in EXTRACTORS]


def _run(cls: type, data: bytes, tmp_path, limits: Limits | None = None) -> list:
    extractor = cls()
    entry = FileRef(PATHS[cls.plugin.name], len(data))
    assert extractor.wants(entry)
    ctx = ExtractContext(tree=DirectoryTree(tmp_path), limits=limits or Limits())
    return list(extractor.extract(entry, io.BytesIO(data), ctx))


def test_every_extractor_has_a_path() -> None:
    assert set(PATHS) == set(IDS)


GARBAGE = [
    b"",
    b"\x00\xff\xfe\x00" * 100,
    b"{",
    b"[1, 2]",
    b'{"lockfileVersion": 3, "packages": {"": 1, "node_modules/a": "x", "node_modules/b": {"version": 2, "dependencies": []}}}',
    b'{"lockfileVersion": 2, "packages": [], "dependencies": {"a": {"version": "1", "requires": ["x"], "dependencies": 3}}}',
    b'{"lockfileVersion": 1, "dependencies": {"a": {"dependencies": {"a": {"dependencies": {"a": {"version": "1"}}}}}}}',
    b'{"lockfileVersion": 1, "workspaces": [], "packages": {"a": [], "b": [1], "c": ["c@1.0.0", 5, [], null]}}',
    b'{"name": ["x"], "version": {"a": 1}, "license": [1, {"type": 2}], "dependencies": "x"}',
    b"lockfileVersion: 5.4\npackages:\n  /a/1.0.0: 3\n  /b/x: {dependencies: [1]}\n  c: {name: 1, version: []}\n",
    b"lockfileVersion: '9.0'\nimporters: {'.': {dependencies: {a: {version: [1]}}}}\nsnapshots: 3\npackages: {}\n",
    b"lockfileVersion: '6.0'\ndependencies: {a: link:../a, b: /b@1.0.0}\npackages:\n  /b@1.0.0: {dev: maybe}\n",
    b"__metadata:\n  version: 6\n'a@npm:1': {resolution: 3}\n'b@npm:1': {resolution: 'b@npm:1.0.0', dependencies: [x]}\n",
    b'# yarn lockfile v1\n\n"a@1":\n  version 1\n  dependencies:\n    b\n',
    b"---\n---\nlockfileVersion: '9.0'\n",
]


@pytest.mark.parametrize("data", GARBAGE, ids=range(len(GARBAGE)))
@pytest.mark.parametrize("cls", EXTRACTORS, ids=IDS)
def test_garbage_is_an_extract_error_or_nothing(cls: type, data: bytes, tmp_path) -> None:
    try:
        packages = _run(cls, data, tmp_path)
    except ExtractError:
        return
    assert all(p.name for p in packages)


@pytest.mark.parametrize("cls", EXTRACTORS, ids=IDS)
def test_deep_nesting(cls: type, tmp_path) -> None:
    for data in (
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        b"a:\n" + b"".join(b" " * i + b"b:\n" for i in range(1, 3000)),
    ):
        start = time.perf_counter()
        with contextlib.suppress(ExtractError):
            _run(cls, data, tmp_path)
        assert time.perf_counter() - start < 3


def test_deep_v1_nesting_is_refused(tmp_path) -> None:
    depth = 600
    data = b'{"lockfileVersion": 1, "dependencies": ' + b'{"a": {"version": "1.0.0", "dependencies": ' * depth
    data += b"{}" + b"}}" * depth + b"}"
    (cls,) = [c for c in EXTRACTORS if c.plugin.name == "javascript/package-lock"]
    with pytest.raises(ExtractError, match=r"nests|deeper"):
        _run(cls, data, tmp_path)


YAML_BOMB = b"""lockfileVersion: '9.0'
a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
packages: [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""


@pytest.mark.parametrize("name", ["javascript/pnpm-lock", "javascript/yarn-lock"])
def test_yaml_alias_bomb(name: str, tmp_path) -> None:
    (cls,) = [c for c in EXTRACTORS if c.plugin.name == name]
    data = YAML_BOMB if name.endswith("pnpm-lock") else b"__metadata:\n  version: 6\n" + YAML_BOMB
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="alias bomb"):
        _run(cls, data, tmp_path)
    assert time.perf_counter() - start < 2


@pytest.mark.parametrize("cls", EXTRACTORS, ids=IDS)
def test_long_line_over_the_parse_limit(cls: type, tmp_path) -> None:
    start = time.perf_counter()
    with pytest.raises(ExtractError):
        _run(cls, b"a" * (2 * MiB), tmp_path, Limits(max_parse_bytes=1 * MiB))
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("name", ["javascript/yarn-lock", "javascript/bun-lock", "javascript/package-lock"])
def test_hundred_megabyte_line(name: str, tmp_path) -> None:
    (cls,) = [c for c in EXTRACTORS if c.plugin.name == name]
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="limit"):
        _run(cls, b'"' * (100 * MiB), tmp_path)
    assert time.perf_counter() - start < 3


def test_unterminated_strings_stay_linear(tmp_path) -> None:
    """Many escaped quotes after an opening one: the JSONC scanner and the yarn 1 tokenizer stay linear."""
    body = b'"' + b'\\"' * 500_000
    for name, data in (
        ("javascript/bun-lock", b"{" + body),
        ("javascript/yarn-lock", b"# yarn lockfile v1\n\n" + body + b":\n"),
    ):
        (cls,) = [c for c in EXTRACTORS if c.plugin.name == name]
        start = time.perf_counter()
        with pytest.raises(ExtractError):
            _run(cls, data, tmp_path)
        assert time.perf_counter() - start < 2, name
