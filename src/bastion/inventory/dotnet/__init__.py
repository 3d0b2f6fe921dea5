""".NET: packages.lock.json, *.deps.json and packages.config.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.dotnet.nuget import DepsJsonExtractor, PackagesConfigExtractor, PackagesLockExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (PackagesLockExtractor, DepsJsonExtractor, PackagesConfigExtractor)

__all__ = ["EXTRACTORS", "DepsJsonExtractor", "PackagesConfigExtractor", "PackagesLockExtractor"]
