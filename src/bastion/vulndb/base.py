"""The vulnerability database layer: normalised advisory types, the store protocols and the error base.

Everything above this layer (the ``vuln`` detector, reports, the server) sees advisories only as the
frozen dataclasses defined here. OSV JSON, the Debian tracker, Alpine secdb and the rest are turned
into these types at the boundary (:mod:`bastion.vulndb.ingest`, :mod:`bastion.vulndb.sources`).

The shapes follow the OSV schema (https://ossf.github.io/osv-schema/), normalised:

- ``Affected.ecosystem`` is the OSV ecosystem string as published, release suffix included
  (``PyPI``, ``Debian:12``, ``Alpine:v3.19``); ``Affected.key`` is the package name normalised for
  lookups in that ecosystem (:func:`bastion.vulndb.match.normalize_name`).
- ranges keep their events in the published order; :mod:`bastion.vulndb.match` sorts them.
- distro-only facts (fix state, urgency) live on :class:`Affected`, because they are per package and
  release, not per vulnerability.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from bastion.errors import DbError
from bastion.model import DbInfo, DbRevision

__all__ = [
    "Advisory",
    "AdvisoryStore",
    "AdvisoryWriter",
    "Affected",
    "Candidate",
    "ChecksumError",
    "DbCorruptError",
    "DbError",
    "Event",
    "EventKind",
    "FetchError",
    "FixState",
    "IngestReport",
    "KevEntry",
    "Range",
    "RangeType",
    "SeverityScore",
    "Skipped",
]

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
RangeType = Literal["ECOSYSTEM", "SEMVER", "GIT"]
FixState = Literal["fixed", "not_fixed", "wont_fix", "unknown"]


class FetchError(DbError):
    """A source could not be downloaded or read (network, missing file, truncated archive)."""


class ChecksumError(FetchError):
    """Downloaded bytes did not match the published checksum. Never ignored."""


class DbCorruptError(DbError):
    """The database file exists but is unreadable, of another schema version, or fails validation."""


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    value: str


@dataclass(frozen=True, slots=True)
class Range:
    type: RangeType
    events: tuple[Event, ...]
    repo: str | None = None


@dataclass(frozen=True, slots=True)
class SeverityScore:
    """One severity statement as published: OSV ``severity[]`` (``CVSS_V3`` + vector), a distro urgency
    (``type="debian"``, ``score="medium"``) or an ecosystem rating (``type="ghsa"``, ``score="HIGH"``)."""

    type: str
    score: str
    source: str = ""


@dataclass(frozen=True, slots=True)
class Affected:
    ecosystem: str
    name: str
    key: str
    ranges: tuple[Range, ...] = ()
    versions: tuple[str, ...] = ()
    severity: tuple[SeverityScore, ...] = ()
    purl: str | None = None
    #: Distro sources only: what the distro says about this package in this release.
    fix_state: FixState | None = None
    urgency: str | None = None


@dataclass(frozen=True, slots=True)
class Advisory:
    id: str
    source: str  # "osv:PyPI", "debian-tracker", "alpine-secdb", "import:<file>"
    modified: str = ""
    published: str | None = None
    withdrawn: str | None = None
    aliases: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    summary: str = ""
    details: str = ""
    severity: tuple[SeverityScore, ...] = ()
    references: tuple[str, ...] = ()
    affected: tuple[Affected, ...] = ()
    cwes: tuple[str, ...] = ()

    @property
    def ids(self) -> tuple[str, ...]:
        return (self.id, *self.aliases)


@dataclass(frozen=True, slots=True)
class Candidate:
    """One advisory as matching sees it for one looked-up package, decoded no further than needed.

    ``advisory`` is the advisory's head: ids, text, severity, references, dates; its ``affected`` is
    empty. ``entries`` are its ``affected`` entries for the looked-up package, in published order.
    ``ref`` identifies the advisory within one store (the same advisory found through two
    ecosystems, ``Debian:12`` and ``Debian``, has one ``ref``).
    """

    ref: int
    advisory: Advisory
    entries: tuple[Affected, ...]


@dataclass(frozen=True, slots=True)
class KevEntry:
    cve: str
    date_added: str
    due_date: str | None = None
    ransomware: bool | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    """A record that was not imported, and why (the member or file it came from first)."""

    where: str
    reason: str


@dataclass
class IngestReport:
    """What an import did: counts plus every skipped record with its reason."""

    source: str
    read: int = 0
    imported: int = 0
    unchanged: int = 0
    removed: int = 0
    withdrawn: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def skip(self, where: str, reason: str) -> None:
        self.skipped.append(Skipped(where, reason))

    def merge(self, other: IngestReport) -> None:
        self.read += other.read
        self.imported += other.imported
        self.unchanged += other.unchanged
        self.removed += other.removed
        self.withdrawn += other.withdrawn
        self.skipped.extend(other.skipped)


@runtime_checkable
class AdvisoryStore(Protocol):
    """A read-only view of one database revision (DESIGN.md interface 4)."""

    def revision(self) -> DbRevision: ...

    def candidates(self, ecosystem: str, name: str) -> Sequence[Advisory]:
        """Non-withdrawn advisories with an ``affected`` entry for (ecosystem, normalised name).

        ``ecosystem`` is the full OSV ecosystem string (``PyPI``, ``Debian:12``); ``name`` is normalised
        by the store with :func:`bastion.vulndb.match.normalize_name`.
        """
        ...

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, tuple[Candidate, ...]]:
        """:meth:`candidates` for many names of one ecosystem at once, as :class:`Candidate` values
        (what the ``vuln`` detector uses); keyed by the names as given."""
        ...

    def get(self, advisory_id: str) -> Advisory | None: ...

    def info(self) -> DbInfo: ...

    def kev(self, cve: str) -> KevEntry | None: ...

    def epss(self, cve: str) -> tuple[float, float] | None: ...


@runtime_checkable
class AdvisoryWriter(Protocol):
    """Writes advisories of one source; readers never get this interface."""

    def ingest(self, source: str, records: Iterable[Advisory]) -> IngestReport: ...


def iter_ids(advisories: Iterable[Advisory]) -> Iterator[str]:
    for adv in advisories:
        yield from adv.ids
