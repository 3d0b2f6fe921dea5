"""Helpers for the Python extractor tests: run one extractor on one fixture file, build expectations."""

from __future__ import annotations

from typing import Any

from bastion.model import Ecosystem, Package
from tests._support.lang_inventory import expected as _expected
from tests._support.lang_inventory import run_extractor
from tests._support.paths import FIXTURES, SHARED

__all__ = ["expected", "run_extractor"]

PY_FIXTURES = FIXTURES / "lockfiles" / "python"
#: Trivy's Python parser test data inside the team's shared corpus (absent on a fresh clone).
SHARED_PY = SHARED / "fixtures" / "lockfiles" / "dependency" / "parser" / "python"


def expected(plugin: str, path: str, name: str, version: str, purl: str, **fields: Any) -> Package:
    """A complete expected Package (see tests._support.lang_inventory.expected); PYPI by default."""
    fields.setdefault("ecosystem", Ecosystem.PYPI)
    return _expected(plugin, path, name, version, purl, **fields)
