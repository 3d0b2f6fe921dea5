"""Helpers for the Python extractor tests: run one extractor on one fixture file, build expectations."""

from __future__ import annotations

from pathlib import Path

from bastion.inventory.base import ExtractContext, Extractor
from bastion.model import Ecosystem, Location, Package
from bastion.targets.directory import DirectoryTree
from tests._support.paths import FIXTURES, SHARED

PY_FIXTURES = FIXTURES / "lockfiles" / "python"
#: Trivy's Python parser test data inside the team's shared corpus (absent on a fresh clone).
SHARED_PY = SHARED / "fixtures" / "lockfiles" / "dependency" / "parser" / "python"


def run_extractor(extractor: Extractor, root: Path, rel: str) -> tuple[list[Package], list[tuple[str, str]]]:
    """Extract ``rel`` inside the tree rooted at ``root``: (packages, warnings).

    ``wants()`` is not consulted: fixture files are named after their scenario, and every extractor
    has its own ``wants()`` table.
    """
    tree = DirectoryTree(root)
    entry = tree.stat(rel)
    assert entry is not None, f"{root}/{rel} missing"
    ctx = ExtractContext(tree=tree)
    with tree.open(entry) as fh:
        packages = list(extractor.extract(entry, fh, ctx))
    return packages, list(ctx.warnings)


def expected(
    plugin: str,
    path: str,
    name: str,
    version: str,
    purl: str,
    *,
    direct: bool | None = None,
    dev: bool | None = None,
    licenses: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
    meta: dict[str, str] | None = None,
    line: int | None = None,
    ecosystem: Ecosystem = Ecosystem.PYPI,
) -> Package:
    """A complete expected Package as an extractor returns it (ids are assigned later, by the runner)."""
    return Package(
        name=name,
        version=version,
        ecosystem=ecosystem,
        purl=purl,
        locations=(Location(path=path, line=line),),
        found_by=plugin,
        direct=direct,
        dev=dev,
        licenses=licenses,
        dependencies=deps,
        metadata=meta or {},
    )
