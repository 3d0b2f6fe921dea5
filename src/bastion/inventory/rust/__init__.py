"""Rust: Cargo.lock files and cargo-auditable binaries.

`EXTRACTORS` is this package's explicit registry tuple.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.rust.cargo_auditable import CargoAuditableExtractor
from bastion.inventory.rust.cargo_lock import CargoLockExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (CargoLockExtractor, CargoAuditableExtractor)

__all__ = ["EXTRACTORS", "CargoAuditableExtractor", "CargoLockExtractor"]
