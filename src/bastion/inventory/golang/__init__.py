"""Go: go.mod files and the build information embedded in Go executables.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.golang.go_binary import GoBinaryExtractor
from bastion.inventory.golang.go_mod import GoModExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (GoModExtractor, GoBinaryExtractor)

__all__ = ["EXTRACTORS", "GoBinaryExtractor", "GoModExtractor"]
