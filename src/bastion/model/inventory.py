"""The inventory: packages plus what could not be read."""

from __future__ import annotations

from dataclasses import dataclass

from bastion.model.package import Package


@dataclass(frozen=True, slots=True)
class Unknown:
    """A file an extractor wanted but could not read, and why (Syft's "unknowns")."""

    path: str
    reason: str
    plugin: str
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class Inventory:
    packages: tuple[Package, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
