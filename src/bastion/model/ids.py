"""Identifier types shared by every layer. Plain strings at runtime, distinct types for mypy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NewType

#: Stable identifier of a package inside one result (see :func:`bastion.model.package.package_id`).
PackageKey = NewType("PackageKey", str)
#: An advisory identifier as published (``CVE-2024-1234``, ``GHSA-xxxx-xxxx-xxxx``, ``PYSEC-…``).
AdvisoryId = NewType("AdvisoryId", str)
#: A finding fingerprint: stable across re-scans of the same thing (see :mod:`bastion.model.finding`).
FindingId = NewType("FindingId", str)
#: ``sha256:<hex>`` content digest of an artifact (image manifest, SBOM file).
ArtifactDigest = NewType("ArtifactDigest", str)
#: Revision of the vulnerability database a result was computed against.
DbRevision = NewType("DbRevision", str)


@dataclass(frozen=True, slots=True)
class PluginId:
    """A plugin's path-like name and integer version.

    The version is bumped whenever the plugin's output for the same input would change; it goes into
    cache keys and result provenance (osv-scalibr ``plugin.Plugin``).
    """

    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}@{self.version}"
