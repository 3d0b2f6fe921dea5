"""Ruby: Gemfile.lock and installed gem specifications.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.ruby.gemfile_lock import GemfileLockExtractor
from bastion.inventory.ruby.gemspec import GemspecExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (GemfileLockExtractor, GemspecExtractor)

__all__ = ["EXTRACTORS", "GemfileLockExtractor", "GemspecExtractor"]
