"""Helpers for the JavaScript extractor tests: run one extractor on one fixture file, build expectations."""

from __future__ import annotations

from pathlib import Path

from bastion.inventory.base import ExtractContext, Extractor
from bastion.model import Ecosystem, Location, Package
from bastion.targets.directory import DirectoryTree
from tests._support.paths import FIXTURES, SHARED

JS_FIXTURES = FIXTURES / "lockfiles" / "javascript"
#: Trivy's Node.js parser test data inside the team's shared corpus (absent on a fresh clone).
SHARED_JS = SHARED / "fixtures" / "lockfiles" / "dependency" / "parser" / "nodejs"


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
    ecosystem: Ecosystem = Ecosystem.NPM,
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


Row = tuple[str, str, bool | None, bool | None, tuple[str, ...]]


def npm_purl(name: str, version: str) -> str:
    """pkg:npm purl with the scope's ``@`` percent-encoded, written out here rather than computed."""
    encoded = name.replace("@", "%40", 1) if name.startswith("@") else name
    return f"pkg:npm/{encoded}@{version}" if version else f"pkg:npm/{encoded}"


def rows(packages: list[Package], rel: str, plugin: str) -> list[Row]:
    """(name, version, direct, dev, dependencies) per package, after checking what every row shares."""
    for p in packages:
        assert p.purl == npm_purl(p.name, p.version), p
        assert [loc.path for loc in p.locations] == [rel] and p.found_by == plugin
        assert p.ecosystem is Ecosystem.NPM
    return [(p.name, p.version, p.direct, p.dev, p.dependencies) for p in packages]
