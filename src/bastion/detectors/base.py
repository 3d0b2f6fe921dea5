"""The detector interface: inventory and/or files in, findings out.

Two shapes share one protocol family:

- :class:`Detector` looks at the inventory (and the advisory store): vulnerabilities, licenses. It
  runs on a stored inventory or an SBOM without the artifact.
- :class:`ContentDetector` looks at file contents. The scanner walks every layer of the tree *once*,
  reads each wanted file once (bounded), hashes it once, and hands the same :class:`FileContent` to
  every content detector (secrets, malware, misconfig). ``finish()`` runs after the walk, for
  findings that need the whole picture (a Terraform module, the image config, a namespace without a
  NetworkPolicy).

Each detector declares ``requires``; the scanner checks the requirements before running it and marks
it skipped with a reason when they are not met (osv-scalibr ``Requirements``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    FileRef,
    Finding,
    FindingKind,
    Inventory,
    PluginId,
    ScanError,
)
from bastion.targets.base import FileTree


class Capability(StrEnum):
    INVENTORY = "inventory"  # needs packages
    FILES = "files"  # needs file contents (not available for SBOM targets or stored inventories)
    ADVISORIES = "advisories"  # needs the vulnerability database
    NETWORK = "network"  # opt-in: talks to the outside world (secret validation)


@dataclass
class DetectContext:
    target: ArtifactRef
    inventory: Inventory
    tree: FileTree | None = None
    advisories: Any | None = None  # bastion.vulndb.store.AdvisoryStore once opened
    limits: Limits = DEFAULT_LIMITS
    #: Where detectors may keep caches (compiled rule databases): ``--cache-dir`` / ``BASTION_CACHE_DIR``,
    #: else the user cache directory. See :func:`bastion.cache.cache_root`.
    cache_dir: Path | None = None
    #: Per-detector settings from bastion.yaml / CLI, keyed by detector group ("secret", "misconfig" …).
    settings: Mapping[str, Any] = field(default_factory=dict)
    now: datetime | None = None
    #: Problems that are not findings (a rule file that does not compile, an unreadable archive member).
    errors: list[ScanError] = field(default_factory=list)
    #: Plaintext secret values found during this scan, kept in memory only: the scanner scrubs them from
    #: the whole result (image config, history, descriptions) before returning it (:mod:`bastion.redact`).
    redactions: set[str] = field(default_factory=set)

    def error(self, path: str, message: str, plugin: str | None = None, layer: str | None = None) -> None:
        self.errors.append(ScanError(path=path, message=message, plugin=plugin, layer=layer))


class FileContent:
    """One file's bytes with lazily computed, shared hashes.

    ``data`` is the whole content when the file is within the content-size limit, else None (the
    scanner then streams the file once to compute the hashes detectors asked for, given in
    ``hashes``). ``archive_path`` lists the archive members traversed to reach a nested file; ``path``
    is then ``outer.jar!inner/file``.
    """

    __slots__ = ("_hashes", "archive_path", "data", "entry", "path")

    def __init__(
        self,
        entry: FileRef,
        data: bytes | None,
        *,
        path: str | None = None,
        hashes: dict[str, str] | None = None,
        archive_path: tuple[str, ...] = (),
    ) -> None:
        self.entry = entry
        self.data = data
        self.path = path or entry.path
        self.archive_path = archive_path
        self._hashes: dict[str, str] = dict(hashes or {})

    def digest(self, algorithm: str) -> str | None:
        """Hex digest (``sha256``, ``sha1``, ``md5``); None when the content was not read and the hash
        was not requested up front."""
        cached = self._hashes.get(algorithm)
        if cached is None and self.data is not None:
            cached = hashlib.new(algorithm, self.data, usedforsecurity=False).hexdigest()
            self._hashes[algorithm] = cached
        return cached

    @property
    def sha256(self) -> str | None:
        return self.digest("sha256")


@runtime_checkable
class Detector(Protocol):
    plugin: ClassVar[PluginId]
    kind: ClassVar[FindingKind]
    requires: ClassVar[frozenset[Capability]]

    def detect(self, ctx: DetectContext) -> Iterable[Finding]: ...


@runtime_checkable
class ContentDetector(Protocol):
    plugin: ClassVar[PluginId]
    kind: ClassVar[FindingKind]
    requires: ClassVar[frozenset[Capability]]
    #: Hashes this detector needs even for files too large to read whole ("sha256", "sha1", "md5").
    hashes: ClassVar[frozenset[str]]
    #: Whether files inside archives (zip, jar, whl, tar.gz …) should be expanded and scanned.
    scans_archives: ClassVar[bool]

    def wants(self, entry: FileRef) -> bool:
        """Path, size and mode only; ``entry.visible`` is False for files a later layer removed."""
        ...

    def scan_file(self, file: FileContent, ctx: DetectContext) -> Iterable[Finding]: ...

    def finish(self, ctx: DetectContext) -> Iterable[Finding]:
        """After the walk: findings that need more than one file, or the image config."""
        ...


AnyDetector = Detector | ContentDetector


def config_roots(ctx: DetectContext) -> list[Path]:
    """Where relative paths in a detector's configuration (rule files, baselines, hash lists) are looked
    up, in order: the scanned directory (fs and repo targets), then the working directory."""
    roots = []
    if ctx.target.kind in (ArtifactKind.FS, ArtifactKind.REPO):
        p = Path(ctx.target.ref)
        roots.append(p if p.is_dir() else p.parent)
    roots.append(Path.cwd())
    return roots


def resolve_config_path(value: str, roots: list[Path]) -> Path:
    """A path from the configuration: absolute, else relative to the first root where it exists (the
    first root when none has it, so the error names a sensible place)."""
    p = Path(value).expanduser()
    if p.is_absolute():
        return p
    for root in roots:
        if (root / p).exists():
            return root / p
    return (roots[0] / p) if roots else p
