"""The runner's extension-indexed dispatch picks exactly the extractors a plain scan of every name and
suffix would (it was rewritten for speed after bench/inventory_speed.py profiled it)."""

from __future__ import annotations

from pathlib import Path

from bastion.inventory import registry
from bastion.inventory.runner import _Dispatch
from bastion.model import FileRef
from bastion.targets.directory import DirectoryTree
from tests._support.paths import FIXTURES

EXTRACTORS = registry.build()


def _plain(entry: FileRef) -> set[str]:
    out = set()
    for ex in EXTRACTORS:
        names: frozenset[str] = getattr(ex, "file_names", frozenset())
        suffixes = getattr(ex, "file_suffixes", ())
        selected = entry.name in names or any(entry.name.endswith(s) for s in suffixes)
        if (selected or (not names and not suffixes)) and ex.wants(entry):
            out.add(ex.plugin.name)
    return out


def test_dispatch_matches_a_plain_scan() -> None:
    dispatch = _Dispatch(EXTRACTORS)
    refs = [r for r in DirectoryTree(FIXTURES / "lockfiles").walk() if r.is_file]
    refs += [
        FileRef(p)
        for p in (
            "app/requirements-dev.txt", "x/foo.deps.json", "lib/a.jar", "gradle/dependency-locks/x.lockfile",
            "s/specifications/rake-13.0.gemspec", "site-packages/x.egg-info", "conda-meta/zlib-1.2.json",
            "pylock.dev.toml", "noext", ".hidden", "trailingdot.", "a.b.c.json", "var/lib/dpkg/status",
        )
    ]  # fmt: skip
    assert len(refs) > 100
    for ref in refs:
        got = dispatch.candidates(ref)
        assert len(got) == len({ex.plugin.name for ex in got}), ref.path
        assert {ex.plugin.name for ex in got} == _plain(ref), ref.path


def test_suffix_without_a_dot_is_still_matched() -> None:
    class Tilde:
        plugin = registry.build(["python/requirements-txt"])[0].plugin
        file_names: frozenset[str] = frozenset()
        file_suffixes = ("~backup",)

        def wants(self, entry: FileRef) -> bool:
            return True

    dispatch = _Dispatch([Tilde()])  # type: ignore[list-item]
    assert len(dispatch.candidates(FileRef("notes.txt~backup"))) == 1
    assert dispatch.candidates(FileRef(Path("notes.txt").as_posix())) == []
