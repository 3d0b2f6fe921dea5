"""Hostile and malformed input: every Python extractor fails with an ExtractError (or reports
nothing) quickly, never with another exception, whatever the bytes."""

from __future__ import annotations

import contextlib
import io
import time

import pytest

from bastion.errors import ExtractError
from bastion.fs.limits import Limits, MiB
from bastion.inventory.base import ExtractContext
from bastion.inventory.python import EXTRACTORS
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree

# a path each extractor wants, so the test feeds it what it would be given in a real scan
PATHS = {
    "python/dist-info": "site-packages/x-1.0.dist-info/METADATA",
    "python/requirements-txt": "requirements.txt",
    "python/poetry-lock": "poetry.lock",
    "python/pipfile-lock": "Pipfile.lock",
    "python/uv-lock": "uv.lock",
    "python/pdm-lock": "pdm.lock",
    "python/pylock": "pylock.toml",
    "python/conda-meta": "conda-meta/x-1.0-0.json",
}
IDS = [cls.plugin.name for cls in EXTRACTORS]


def _run(cls: type, data: bytes, tmp_path, limits: Limits | None = None) -> list:
    path = PATHS[cls.plugin.name]
    extractor = cls()
    entry = FileRef(path, len(data))
    assert extractor.wants(entry)
    ctx = ExtractContext(tree=DirectoryTree(tmp_path), limits=limits or Limits())
    return list(extractor.extract(entry, io.BytesIO(data), ctx))


def test_every_extractor_has_a_path() -> None:
    assert set(PATHS) == set(IDS)


GARBAGE = [
    b"",
    b"\x00\xff\xfe\x00" * 100,
    b"\xef\xbb\xbf",
    b"[[[[[[[[[[",
    b"{",
    b'{"a": 1}',
    b"[1, 2, 3]",
    b"package = 1\npackages = 2\n",
    b'package = [1, "x", {name = 3}]\npackages = [{name = 1}]\n[metadata]\n',
    b'[[package]]\nname = "a"\nversion = 1\ndependencies = "x"\nsource = 3\n',
    b'[[package]]\nname = "a"\nversion = "1"\ndependencies = [{name = 2}, "b", 3]\ndev-dependencies = 4\n',
    b'{"_meta": {}, "default": {"a": "x", "b": {"version": 3}}, "develop": []}',
    b'{"name": 1, "version": [], "depends": {}}',
    b'lock-version = "1.0"\n[[packages]]\nname = "x"\ndependencies = [1, {name = []}]\n',
    b"Name: \nVersion: \n",
    b"-r\n-c\n--requirement\n-e\n-e \\\n",
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
    nested = b"[" * 100_000 + b"]" * 100_000
    toml = b"a = " + b"[" * 100_000 + b"]" * 100_000
    for data in (nested, toml, b'{"a":' * 50_000 + b"1" + b"}" * 50_000):
        start = time.perf_counter()
        with contextlib.suppress(ExtractError):
            _run(cls, data, tmp_path)
        assert time.perf_counter() - start < 2


@pytest.mark.parametrize("cls", EXTRACTORS, ids=IDS)
def test_long_line_over_the_parse_limit(cls: type, tmp_path) -> None:
    data = b"a" * (2 * MiB)
    start = time.perf_counter()
    with pytest.raises(ExtractError):
        _run(cls, data, tmp_path, Limits(max_parse_bytes=1 * MiB))
    assert time.perf_counter() - start < 1


@pytest.mark.parametrize("name", ["python/requirements-txt", "python/dist-info", "python/poetry-lock"])
def test_hundred_megabyte_line(name: str, tmp_path) -> None:
    """A 100 MB single line with the default limits: refused in well under a second or two."""
    (cls,) = [c for c in EXTRACTORS if c.plugin.name == name]
    data = b"x" * (100 * MiB)
    start = time.perf_counter()
    with pytest.raises(ExtractError, match=r"limit|longer than"):
        _run(cls, data, tmp_path)
    assert time.perf_counter() - start < 3


def test_requirements_long_lines_and_many_backslashes(tmp_path) -> None:
    data = (
        b"flask==2.0\n"
        + b"a" * 200_000
        + b"\n"
        + b"\\\n" * 50_000
        + b"b==1\n"
        + b"x @ "
        + b" " * 100_000
        + b"\n"
    )
    start = time.perf_counter()
    (cls,) = [c for c in EXTRACTORS if c.plugin.name == "python/requirements-txt"]
    packages = _run(cls, data, tmp_path)
    assert [p.name for p in packages][:1] == ["flask"]
    assert time.perf_counter() - start < 2
