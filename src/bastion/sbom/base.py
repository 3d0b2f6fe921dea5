"""The SBOM layer's interface: encoders and decoders of standard SBOM formats, and the :class:`Sbom` value.

An :class:`Sbom` is what both directions share: the artifact (an :class:`~bastion.model.ArtifactRef`), its
packages and, optionally, vulnerability findings (a CycloneDX VDR). It is deliberately *not* a
:class:`~bastion.model.ScanResult`: a decoded SBOM has no plugin statuses, provenance or verdict, and an
encoder needs only these few things. :meth:`Sbom.from_result` and :meth:`Sbom.inventory` convert.

Encoders write text (``encode(sbom, out)``); decoders read bytes (``decode(stream, source=...)``) and
raise :class:`~bastion.errors.SbomFormatError` whose message starts with the file name.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO, ClassVar, Protocol, TextIO, runtime_checkable

from bastion import __version__
from bastion.errors import SbomFormatError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import ArtifactKind, ArtifactRef, Finding, Inventory, Package, ScanResult, Unknown

__all__ = [
    "PROPERTY_PREFIX",
    "Sbom",
    "SbomDecoder",
    "SbomEncoder",
    "SbomFormatError",
    "Tool",
    "subject_of",
]

#: Namespace of bastion's own CycloneDX properties and SPDX annotations (``bastion:package:found_by``).
PROPERTY_PREFIX = "bastion:"


#: The SBOM formats bastion writes (the registry checks its encoders against this list).
FORMAT_IDS: tuple[str, ...] = ("cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tv")


@dataclass(frozen=True, slots=True)
class Tool:
    """A program that produced (or helped produce) an SBOM document."""

    name: str
    version: str = ""
    vendor: str = ""

    def __str__(self) -> str:
        return f"{self.name} {self.version}".strip()


BASTION_TOOL = Tool(name="bastion", version=__version__, vendor="bastion")


@dataclass(frozen=True, slots=True)
class Sbom:
    """An artifact's inventory as an SBOM document carries it.

    ``created`` and ``serial`` are the document's timestamp and unique id; encoders derive a serial from
    the target and the timestamp when none is given, so the same result always encodes to the same bytes.
    ``tools`` are the programs that produced the document (for a decoded document: syft, trivy …).
    ``source_format``/``spec_version`` say what a decoded document was (``cyclonedx-json``, ``1.5``).
    """

    target: ArtifactRef
    packages: tuple[Package, ...] = ()
    findings: tuple[Finding, ...] = ()
    unknowns: tuple[Unknown, ...] = ()
    tools: tuple[Tool, ...] = (BASTION_TOOL,)
    created: datetime | None = None
    serial: str | None = None
    source_format: str | None = None
    spec_version: str | None = None

    @classmethod
    def from_result(cls, result: ScanResult) -> Sbom:
        """The SBOM of a finished scan: its target, packages and findings, stamped with its finish time."""
        prov = result.provenance
        created = prov.finished or prov.started
        tool = Tool(name="bastion", version=result.bastion_version, vendor="bastion")
        return cls(
            target=result.target,
            packages=result.packages,
            findings=result.findings,
            tools=(tool,),
            created=created,
        )

    def inventory(self) -> Inventory:
        return Inventory(packages=self.packages, unknowns=self.unknowns)

    def timestamp(self) -> datetime:
        """``created`` in UTC, truncated to seconds (now when unset)."""
        ts = self.created or datetime.now(UTC)
        if ts.tzinfo is None:
            ts = ts.replace(tzinfo=UTC)
        return ts.astimezone(UTC).replace(microsecond=0)

    def serial_uuid(self) -> uuid.UUID:
        """``serial`` as a UUID, or one derived from the target's identity and the timestamp."""
        if self.serial:
            text = self.serial.removeprefix("urn:uuid:")
            try:
                return uuid.UUID(text)
            except ValueError:
                return uuid.uuid5(uuid.NAMESPACE_URL, text)
        ident = f"bastion:{self.target.kind.value}:{self.target.digest or self.target.ref}:{self.timestamp().isoformat()}"
        return uuid.uuid5(uuid.NAMESPACE_URL, ident)


def subject_of(ref: ArtifactRef) -> ArtifactRef:
    """What a decoded SBOM describes, as the target it was made from (for converting one SBOM into another).

    A decoded document's target is the SBOM file itself (kind ``sbom``); its metadata remembers the subject
    (``subject_kind``/``subject_ref`` in bastion documents, ``subject_type``/``subject_digest`` otherwise).
    Any other target is returned unchanged.
    """
    if ref.kind is not ArtifactKind.SBOM:
        return ref
    meta = ref.metadata
    kind_text = meta.get("subject_kind") or ("image" if meta.get("subject_type") == "container" else "fs")
    try:
        kind = ArtifactKind(kind_text)
    except ValueError:
        kind = ArtifactKind.FS
    digest = meta.get("subject_digest") if kind is ArtifactKind.IMAGE else None
    return dataclasses.replace(
        ref, kind=kind, ref=meta.get("subject_ref") or ref.name or ref.ref, digest=digest
    )


@runtime_checkable
class SbomEncoder(Protocol):
    """Writes an :class:`Sbom` in one standard format."""

    format_id: ClassVar[str]  # "cyclonedx-json"
    spec_version: ClassVar[str]  # "1.6"
    media_type: ClassVar[str]
    file_extension: ClassVar[str]  # ".cdx.json"

    def encode(self, sbom: Sbom, out: TextIO) -> None: ...


@runtime_checkable
class SbomDecoder(Protocol):
    """Reads one standard format into an :class:`Sbom` (packages, target identity, operating system)."""

    format_id: ClassVar[str]

    def identify(self, head: bytes) -> str | None:
        """The spec version when ``head`` (the first bytes of a file) looks like this format, else None."""
        ...

    def decode(self, stream: BinaryIO, *, source: str = "<sbom>", limits: Limits = DEFAULT_LIMITS) -> Sbom:
        """Parse a whole document; raise SbomFormatError("<source>: <problem>") when it is malformed."""
        ...
