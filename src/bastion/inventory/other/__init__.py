"""Other ecosystems: Dart pubspec.lock, Swift Package.resolved, Conan conan.lock, Elixir mix.lock.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.other.conan_lock import ConanLockExtractor
from bastion.inventory.other.mix_lock import MixLockExtractor
from bastion.inventory.other.pubspec_lock import PubspecLockExtractor
from bastion.inventory.other.swift_resolved import SwiftResolvedExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (
    PubspecLockExtractor,
    SwiftResolvedExtractor,
    ConanLockExtractor,
    MixLockExtractor,
)

__all__ = [
    "EXTRACTORS",
    "ConanLockExtractor",
    "MixLockExtractor",
    "PubspecLockExtractor",
    "SwiftResolvedExtractor",
]
