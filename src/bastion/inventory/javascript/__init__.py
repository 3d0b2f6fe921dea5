"""Extractors for JavaScript packages (npm registry): lockfiles of npm, yarn, pnpm and bun, and
installed ``node_modules``.

`EXTRACTORS` is this package's explicit registry tuple. See docs/inventory-python-js.md for what
each format says about direct and development dependencies.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.javascript.bun_lock import BunLockExtractor
from bastion.inventory.javascript.node_modules import NodeModulesExtractor
from bastion.inventory.javascript.package_lock import PackageLockExtractor
from bastion.inventory.javascript.pnpm_lock import PnpmLockExtractor
from bastion.inventory.javascript.yarn_lock import YarnLockExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (
    PackageLockExtractor,
    YarnLockExtractor,
    PnpmLockExtractor,
    BunLockExtractor,
    NodeModulesExtractor,
)

__all__ = [
    "EXTRACTORS",
    "BunLockExtractor",
    "NodeModulesExtractor",
    "PackageLockExtractor",
    "PnpmLockExtractor",
    "YarnLockExtractor",
]
