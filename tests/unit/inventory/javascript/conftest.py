"""Helpers for the JavaScript extractor tests: run one extractor on one fixture file, build expectations."""

from __future__ import annotations

from typing import Any

from bastion.model import Ecosystem, Package
from tests._support.lang_inventory import expected as _expected
from tests._support.lang_inventory import run_extractor
from tests._support.paths import FIXTURES, SHARED

__all__ = ["expected", "run_extractor"]

JS_FIXTURES = FIXTURES / "lockfiles" / "javascript"
#: Trivy's Node.js parser test data inside the team's shared corpus (absent on a fresh clone).
SHARED_JS = SHARED / "fixtures" / "lockfiles" / "dependency" / "parser" / "nodejs"


def expected(plugin: str, path: str, name: str, version: str, purl: str, **fields: Any) -> Package:
    """A complete expected Package (see tests._support.lang_inventory.expected); NPM by default."""
    fields.setdefault("ecosystem", Ecosystem.NPM)
    return _expected(plugin, path, name, version, purl, **fields)


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
