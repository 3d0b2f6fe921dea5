"""Every Python file of the shared compatibility corpus (Trivy's test data) yields packages, or a
clear ExtractError for the deliberately broken ones. Skipped when ../shared is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.fs.parsing import load_toml
from bastion.inventory.python import (
    EXTRACTORS,
    DistInfoExtractor,
    PipfileLockExtractor,
    PoetryLockExtractor,
    PylockExtractor,
    RequirementsTxtExtractor,
    UvLockExtractor,
)
from bastion.inventory.python._common import parse_pyproject
from bastion.inventory.runner import run_extractors
from bastion.targets.directory import DirectoryTree

from .conftest import SHARED_PY, run_extractor

pytestmark = pytest.mark.skipif(not SHARED_PY.is_dir(), reason="shared fixture corpus not available")

BY_DIR = {
    "packaging": DistInfoExtractor,
    "pip": RequirementsTxtExtractor,
    "pipenv": PipfileLockExtractor,
    "poetry": PoetryLockExtractor,
    "pylock": PylockExtractor,
    "uv": UvLockExtractor,
}
BROKEN = {
    "packaging/testdata/invalid.json": "not a 'Key: value' header",
    "pylock/testdata/sad.toml": "invalid TOML",
}
#: Files whose every line is deliberately not a requirement: nothing, and one warning per line.
ONLY_WARNINGS = {"pip/testdata/requirements_with_templating_engine.txt"}


def _files() -> list[Path]:
    if not SHARED_PY.is_dir():
        return []
    return sorted(p for d in BY_DIR for p in (SHARED_PY / d / "testdata").iterdir() if p.is_file())


@pytest.mark.parametrize("path", _files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_corpus_file(path: Path) -> None:
    rel = f"{path.parent.parent.name}/testdata/{path.name}"
    extractor = BY_DIR[path.parent.parent.name]()
    if rel in BROKEN:
        with pytest.raises(ExtractError, match=BROKEN[rel]):
            run_extractor(extractor, path.parent, path.name)
        return
    packages, warnings = run_extractor(extractor, path.parent, path.name)
    if rel in ONLY_WARNINGS:
        assert packages == [] and len(warnings) == 5
    else:
        assert packages, rel
        assert all(p.name and p.purl.startswith("pkg:pypi/") for p in packages)


def test_pyproject_manifests() -> None:
    """The pyproject.toml fixtures feed direct/dev detection: all parse, the broken one is refused."""
    folder = SHARED_PY / "pyproject" / "testdata"
    for path in sorted(folder.glob("*.toml")):
        if path.name == "sad.toml":
            with pytest.raises(ExtractError):
                load_toml(path.read_bytes(), path.name)
            continue
        manifest = parse_pyproject(load_toml(path.read_bytes(), path.name), path.name)
        assert manifest.direct, path.name


def test_whole_corpus_through_the_runner() -> None:
    root = SHARED_PY.parents[3]
    run = run_extractors(DirectoryTree(root), [cls() for cls in EXTRACTORS])
    assert [u for u in run.inventory.unknowns if u.reason.startswith("unexpected")] == []
