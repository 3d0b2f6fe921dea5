"""Extractors for Python packages (PyPI) and conda environments.

`EXTRACTORS` is this package's explicit registry tuple. See docs/inventory-python-js.md for what
each format says about direct and development dependencies.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.python.conda_meta import CondaMetaExtractor
from bastion.inventory.python.dist_info import DistInfoExtractor
from bastion.inventory.python.pdm_lock import PdmLockExtractor
from bastion.inventory.python.pipfile_lock import PipfileLockExtractor
from bastion.inventory.python.poetry_lock import PoetryLockExtractor
from bastion.inventory.python.pylock import PylockExtractor
from bastion.inventory.python.requirements_txt import RequirementsTxtExtractor
from bastion.inventory.python.uv_lock import UvLockExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (
    DistInfoExtractor,
    RequirementsTxtExtractor,
    PoetryLockExtractor,
    PipfileLockExtractor,
    UvLockExtractor,
    PdmLockExtractor,
    PylockExtractor,
    CondaMetaExtractor,
)

__all__ = [
    "EXTRACTORS",
    "CondaMetaExtractor",
    "DistInfoExtractor",
    "PdmLockExtractor",
    "PipfileLockExtractor",
    "PoetryLockExtractor",
    "PylockExtractor",
    "RequirementsTxtExtractor",
    "UvLockExtractor",
]
