"""OSV JSON → normalised :class:`~bastion.vulndb.base.Advisory` values.

A malformed record (invalid JSON, fails the schema, an event with no or several kinds, no usable
``affected`` entry) is skipped and counted with its reason in the :class:`IngestReport`; it never
aborts an import. A *container* that is damaged (truncated zip, CRC error, unreadable file) raises
:class:`~bastion.vulndb.base.FetchError`: the whole update must then be abandoned so the previous
database stays in place.

What is kept: ids, aliases, related, summary, details, severities (vectors and ratings), references
(URLs), CWE ids, and per affected package: ecosystem, name, purl, ranges, versions, per-package
severity. What is dropped: credits, ``ecosystem_specific`` symbol lists (Go ``imports``, RustSec
``affected_functions``) and ``custom_ranges`` (Go's pseudo-version refinements, which are not part of
the OSV evaluation algorithm).
"""

from __future__ import annotations

import json
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from bastion.vulndb.base import (
    Advisory,
    Affected,
    Event,
    EventKind,
    FetchError,
    IngestReport,
    Range,
    RangeType,
    SeverityScore,
)
from bastion.vulndb.match import canonical_ecosystem, normalize_name
from bastion.vulndb.osv_schema import OsvAffected, OsvRecord, parse_record

__all__ = ["InvalidRecord", "from_osv", "read_osv_bytes", "read_osv_file", "read_osv_zip"]

#: An OSV JSON member larger than this is refused (the largest real records are a few hundred KB).
MAX_RECORD_BYTES = 16 * 1024 * 1024
_RANGE_TYPES: frozenset[str] = frozenset({"ECOSYSTEM", "SEMVER", "GIT"})
_EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")


class InvalidRecord(ValueError):
    """A record that cannot be used as published; the message is the skip reason."""


def _db_prefix(advisory_id: str) -> str:
    head = advisory_id.split("-", 1)[0]
    return head.lower() if head else "osv"


def _severity_source(advisory_id: str) -> str:
    return _db_prefix(advisory_id)


def from_osv(rec: OsvRecord, source: str) -> Advisory:
    """Normalise one validated OSV record; raises :class:`InvalidRecord` with the reason."""
    src = _severity_source(rec.id)
    severity: list[SeverityScore] = [_score(s.type, s.score, src) for s in rec.severity]
    dbs = rec.database_specific or {}
    rating = dbs.get("severity")
    if isinstance(rating, str) and rating.strip():
        severity.append(SeverityScore("rating", rating.strip(), src))
    cwes = dbs.get("cwe_ids")
    affected: list[Affected] = []
    dropped = 0
    for entry in rec.affected:
        got = _affected(entry, rec.id)
        if got is None:
            dropped += 1
            continue
        affected.append(got)
    if not affected and rec.withdrawn is None:
        what = (
            "no affected package"
            if not dropped
            else f"none of its {dropped} affected entries names a package"
        )
        raise InvalidRecord(what)
    return Advisory(
        id=rec.id,
        source=source,
        modified=rec.modified,
        published=rec.published,
        withdrawn=rec.withdrawn,
        aliases=tuple(dict.fromkeys(a.strip() for a in rec.aliases if a.strip() and a.strip() != rec.id)),
        related=tuple(dict.fromkeys(r.strip() for r in rec.related if r.strip())),
        summary=(rec.summary or "").strip(),
        details=(rec.details or "").strip(),
        severity=tuple(severity),
        references=tuple(dict.fromkeys(r.url for r in rec.references if r.url)),
        affected=tuple(affected),
        cwes=tuple(str(c) for c in cwes) if isinstance(cwes, list) else (),
    )


def _score(type_: str, score: str, source: str) -> SeverityScore:
    t = type_.strip().upper()
    if t == "UBUNTU":
        return SeverityScore("distro", score, "ubuntu")
    if t in ("CVSS_V2", "CVSS_V3", "CVSS_V4"):
        return SeverityScore(t, score, source)
    return SeverityScore(type_, score, source)


def _affected(entry: OsvAffected, advisory_id: str) -> Affected | None:
    pkg = entry.package
    if pkg is None or not pkg.ecosystem.strip() or not pkg.name.strip():
        return None
    ecosystem = canonical_ecosystem(pkg.ecosystem)
    ranges: list[Range] = []
    for rng in entry.ranges:
        rtype = rng.type.strip().upper()
        if rtype not in _RANGE_TYPES:
            raise InvalidRecord(f"{pkg.name}: unknown range type {rng.type!r}")
        events: list[Event] = []
        for ev in rng.events:
            kinds = [(k, v) for k in _EVENT_KINDS if (v := getattr(ev, k)) is not None]
            if len(kinds) != 1:
                raise InvalidRecord(
                    f"{pkg.name}: {rtype} event with {len(kinds)} kinds (exactly one expected)"
                )
            kind, value = kinds[0]
            events.append(Event(kind, value.strip()))
        if not any(e.kind == "introduced" for e in events):
            raise InvalidRecord(f"{pkg.name}: {rtype} range without an introduced event")
        rt: RangeType = "ECOSYSTEM" if rtype == "ECOSYSTEM" else "SEMVER" if rtype == "SEMVER" else "GIT"
        ranges.append(Range(rt, tuple(events), rng.repo))
    severity = [_score(s.type, s.score, _severity_source(advisory_id)) for s in entry.severity]
    eco_spec = entry.ecosystem_specific or {}
    db_spec = entry.database_specific or {}
    urgency = eco_spec.get("urgency")
    if isinstance(urgency, str) and urgency.strip():
        severity.append(SeverityScore("distro", urgency.strip(), ecosystem.partition(":")[0].lower()))
    vector = db_spec.get("cvss")
    if isinstance(vector, str) and vector.startswith("CVSS:"):
        cvss_type = "CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3"
        severity.append(SeverityScore(cvss_type, vector, _severity_source(advisory_id)))
    rating = eco_spec.get("severity")
    if isinstance(rating, str) and rating.strip():
        severity.append(SeverityScore("rating", rating.strip(), _severity_source(advisory_id)))
    return Affected(
        ecosystem=ecosystem,
        name=pkg.name.strip(),
        key=normalize_name(ecosystem, pkg.name),
        ranges=tuple(ranges),
        versions=tuple(dict.fromkeys(v.strip() for v in entry.versions if v.strip())),
        severity=tuple(severity),
        purl=pkg.purl,
    )


def read_osv_bytes(data: bytes, where: str, source: str, report: IngestReport) -> Iterator[Advisory]:
    """One OSV document: a record, or a JSON array of records (as ``bastion db import`` accepts)."""
    report.read += 1
    if len(data) > MAX_RECORD_BYTES:
        report.skip(where, f"record is {len(data)} bytes, over the {MAX_RECORD_BYTES}-byte limit")
        return
    stripped = data.lstrip()
    if stripped.startswith(b"["):
        try:
            items = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            report.skip(where, f"invalid JSON: {exc}")
            return
        report.read -= 1
        for i, item in enumerate(items if isinstance(items, list) else []):
            report.read += 1
            yield from _one(json.dumps(item).encode(), f"{where}[{i}]", source, report)
        return
    yield from _one(data, where, source, report)


def _one(data: bytes, where: str, source: str, report: IngestReport) -> Iterator[Advisory]:
    try:
        rec = parse_record(data)
    except ValidationError as exc:
        report.skip(where, _validation_reason(exc))
        return
    except ValueError as exc:
        report.skip(where, f"invalid JSON: {exc}")
        return
    try:
        yield from_osv(rec, source)
    except InvalidRecord as exc:
        report.skip(f"{where} ({rec.id})", str(exc))


def _validation_reason(exc: ValidationError) -> str:
    first: Any = exc.errors()[0]
    if first.get("type") == "json_invalid":
        return f"invalid JSON: {first.get('ctx', {}).get('error', first.get('msg'))}"
    loc = ".".join(str(p) for p in first.get("loc", ()))
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"not an OSV record: {loc or 'document'}: {first.get('msg')}{more}"


def read_osv_zip(path: Path | str, source: str, report: IngestReport) -> Iterator[Advisory]:
    """Every ``*.json`` member of an OSV ``all.zip``. A damaged archive raises :class:`FetchError`."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FetchError(
            f"{path}: not a readable zip archive ({exc})",
            hint="the download may be truncated; run the update again",
        ) from None
    with zf:
        for info in zf.infolist():
            if info.is_dir() or not info.filename.endswith(".json"):
                continue
            if info.file_size > MAX_RECORD_BYTES:
                report.read += 1
                report.skip(f"{path}!{info.filename}", f"member is {info.file_size} bytes, over the limit")
                continue
            try:
                data = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
                raise FetchError(
                    f"{path}!{info.filename}: damaged archive member ({exc})",
                    hint="the download may be corrupt; run the update again",
                ) from None
            yield from read_osv_bytes(data, f"{path}!{info.filename}", source, report)


def read_osv_file(path: Path, source: str, report: IngestReport) -> Iterator[Advisory]:
    """An OSV ``.json`` file (one record or an array) or a ``.zip`` of records."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise FetchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"PK"):
        yield from read_osv_zip(path, source, report)
        return
    yield from read_osv_bytes(path.read_bytes(), str(path), source, report)
