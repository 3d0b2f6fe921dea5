"""SBOM files as targets (``bastion scan sbom FILE``): the inventory comes from the document, not from files.

The SBOM is read once (bounded by ``Limits.max_parse_bytes``), its format identified by content. Its
identity is the file's SHA-256; its name, operating system and image details come from the document, so
distribution-aware vulnerability matching works on a stored SBOM without the artifact. There are no files
to open: content detectors (secrets, malware, misconfig) do not apply, and :meth:`SbomTarget.open` says so.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bastion.errors import TargetError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import ArtifactRef, Inventory
from bastion.sbom import registry
from bastion.sbom.base import Sbom
from bastion.targets.base import FileTree, WantFn


class SbomTarget:
    """A CycloneDX (JSON or XML) or SPDX JSON document standing in for the artifact it describes."""

    def __init__(self, path: Path, *, limits: Limits = DEFAULT_LIMITS) -> None:
        self.path = Path(path)
        self.limits = limits
        self._sbom: Sbom | None = None
        if not self.path.exists():
            raise TargetError(f"{self.path}: no such file")
        if not self.path.is_file():
            raise TargetError(f"{self.path}: not a file (an SBOM target is one CycloneDX or SPDX document)")

    def sbom(self) -> Sbom:
        """The decoded document (read on first use; raises SbomFormatError when it is malformed)."""
        if self._sbom is None:
            decoded = registry.load(self.path, self.limits)
            ref = dataclasses.replace(
                decoded.target,
                ref=str(self.path.resolve()),
                name=decoded.target.name or self.path.name,
            )
            self._sbom = dataclasses.replace(decoded, target=ref)
        return self._sbom

    def describe(self) -> ArtifactRef:
        return self.sbom().target

    def inventory(self) -> Inventory:
        return self.sbom().inventory()

    @contextmanager
    def open(self, want: WantFn | None = None) -> Iterator[FileTree]:
        raise TargetError(
            f"{self.path}: an SBOM has no files to read",
            hint="only inventory scanners (vuln, license) apply to an SBOM; scan the artifact itself for the rest",
        )
        yield  # pragma: no cover - makes this a generator for @contextmanager


__all__ = ["SbomTarget"]
