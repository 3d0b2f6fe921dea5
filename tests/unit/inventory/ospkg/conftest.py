"""Helpers for the OS package extractor tests: run one extractor on one file of a fixture root."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bastion.inventory.base import ExtractContext, Extractor
from bastion.inventory.ospkg.distro import detect_os
from bastion.model import OsInfo, Package
from bastion.targets.directory import DirectoryTree
from tests._support.paths import FIXTURES

OS_FIXTURES = FIXTURES / "lockfiles" / "os"

#: Passed as ``os_info`` to mean "detect it from the fixture root, as the scanner does".
DETECT = OsInfo("detect", "")

Run = Callable[..., tuple[list[Package], list[tuple[str, str]]]]


def run_extractor(
    extractor: Extractor, root: Path, rel: str, os_info: OsInfo | None = DETECT
) -> tuple[list[Package], list[tuple[str, str]]]:
    """Extract ``rel`` inside the root filesystem ``root``: (packages, warnings)."""
    tree = DirectoryTree(root)
    entry = tree.stat(rel)
    assert entry is not None, f"{root}/{rel} missing"
    assert extractor.wants(entry), f"{extractor.plugin} does not want {rel}"
    ctx = ExtractContext(tree=tree, os=detect_os(tree) if os_info is DETECT else os_info)
    with tree.open(entry) as fh:
        packages = list(extractor.extract(entry, fh, ctx))
    return packages, list(ctx.warnings)


@pytest.fixture
def extract() -> Run:
    return run_extractor
