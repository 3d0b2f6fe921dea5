"""Extractors for the rust ecosystem(s). `EXTRACTORS` is this package's explicit registry tuple."""

from __future__ import annotations

from bastion.inventory.base import Extractor

EXTRACTORS: tuple[type[Extractor], ...] = ()

__all__ = ["EXTRACTORS"]
