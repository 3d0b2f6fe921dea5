"""Every Node.js file of the shared compatibility corpus (Trivy's test data) yields packages, or a
clear ExtractError for the deliberately broken ones. Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.javascript import (
    EXTRACTORS,
    BunLockExtractor,
    NodeModulesExtractor,
    PackageLockExtractor,
    PnpmLockExtractor,
    YarnLockExtractor,
)
from bastion.inventory.runner import run_extractors
from bastion.targets.directory import DirectoryTree

from .conftest import SHARED_JS, run_extractor

pytestmark = pytest.mark.skipif(not SHARED_JS.is_dir(), reason="shared fixture corpus not available")

BY_DIR = {
    "npm": PackageLockExtractor,
    "yarn": YarnLockExtractor,
    "pnpm": PnpmLockExtractor,
    "bun": BunLockExtractor,
    "packagejson": NodeModulesExtractor,  # each file read as if installed under node_modules
}
#: Deliberately broken inputs, with what the error must say.
BROKEN = {
    "bun/testdata/bun_invalid.lock": "lockfileVersion",
    "packagejson/testdata/invalid_package.json": "invalid JSON",
    "packagejson/testdata/invalid_name.json": "not a valid npm package name",
    "packagejson/testdata/without_version_package.json": "no 'version'",
    "packagejson/testdata/without_name_and_version_package.json": "no 'version'",
}
#: Files that hold no package by design.
EMPTY: set[str] = set()


def _files() -> list[Path]:
    if not SHARED_JS.is_dir():
        return []
    return sorted(p for d in BY_DIR for p in (SHARED_JS / d / "testdata").iterdir() if p.is_file())


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_corpus_file(path: Path) -> None:
    rel = f"{path.parent.parent.name}/testdata/{path.name}"
    extractor = BY_DIR[path.parent.parent.name]()
    if rel in BROKEN:
        with pytest.raises(ExtractError, match=BROKEN[rel]):
            run_extractor(extractor, path.parent, path.name)
        return
    packages, _ = run_extractor(extractor, path.parent, path.name)
    if rel in EMPTY:
        assert packages == []
    else:
        assert packages, rel
        assert all(p.name and p.purl.startswith("pkg:npm/") for p in packages)


def test_whole_corpus_through_the_runner() -> None:
    """Dispatch by wants() over the whole shared corpus: no extractor crashes on any file."""
    root = SHARED_JS.parents[3]
    run = run_extractors(DirectoryTree(root), [cls() for cls in EXTRACTORS])
    crashes = [u for u in run.inventory.unknowns if u.reason.startswith("unexpected")]
    assert crashes == []
    wanted = {s.name: s.files for s in run.statuses}
    assert wanted["javascript/package-lock"] == 0  # corpus files are named after their scenario
