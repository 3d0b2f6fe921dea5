"""PHP: composer.lock and Composer's installed.json.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.php.composer import ComposerInstalledExtractor, ComposerLockExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (ComposerLockExtractor, ComposerInstalledExtractor)

__all__ = ["EXTRACTORS", "ComposerInstalledExtractor", "ComposerLockExtractor"]
