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

**The hot path.** Records are parsed with ``orjson`` and checked by :func:`_normalise`, one pass that
applies the schema of :mod:`bastion.vulndb.osv_schema` (the pydantic models stay the readable
statement of that schema; ``tests/unit/vulndb/test_ingest_store.py`` checks on real and mutated
records that both accept and reject the same documents and give the same advisories) and builds the
advisory at the same time: validating through pydantic models and then walking them cost three
times as much. Zip members are inflated with ISA-L and CRC-checked against the central directory.
"""

from __future__ import annotations

import json
import mmap
import struct
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import orjson
from isal import isal_zlib

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
from bastion.vulndb.store import StoredRecord, decode_stored, prepare

__all__ = [
    "InvalidRecord",
    "normalise_record",
    "read_osv_bytes",
    "read_osv_file",
    "read_osv_zip",
    "stored_osv_file",
    "stored_osv_zip",
]

#: An OSV JSON member larger than this is refused (the largest real records are a few hundred KB).
MAX_RECORD_BYTES = 16 * 1024 * 1024
_RANGE_TYPES: dict[str, RangeType] = {"ECOSYSTEM": "ECOSYSTEM", "SEMVER": "SEMVER", "GIT": "GIT"}
_EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")


class InvalidRecord(ValueError):
    """A record that cannot be used as published; the message is the skip reason."""


class _SchemaError(InvalidRecord):
    """The document does not have the shape of an OSV record (what pydantic would reject)."""

    def __init__(self, loc: tuple[str | int, ...], msg: str) -> None:
        where = ".".join(str(p) for p in loc) or "document"
        super().__init__(f"not an OSV record: {where}: {msg}")


# -- schema checks (the rules of osv_schema.py: numbers become strings, null lists are empty) -------


def _str(value: Any, loc: tuple[str | int, ...]) -> str:
    if type(value) is str:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # coerce_numbers_to_str: YAML-converted feeds have `versions: [1.0]`
    raise _SchemaError(loc, "Input should be a valid string")


def _opt_str(value: Any, loc: tuple[str | int, ...]) -> str | None:
    return None if value is None else _str(value, loc)


def _list(value: Any, loc: tuple[str | int, ...]) -> list[Any]:
    if value is None:
        return []
    if type(value) is not list:
        raise _SchemaError(loc, "Input should be a valid list")
    return value


def _str_list(value: Any, loc: tuple[str | int, ...]) -> list[str]:
    items = _list(value, loc)
    for item in items:
        if type(item) is not str:
            return [_str(v, (*loc, i)) for i, v in enumerate(items)]
    return items


def _obj(value: Any, loc: tuple[str | int, ...]) -> dict[str, Any]:
    if type(value) is not dict:
        raise _SchemaError(loc, "Input should be a valid dictionary or object")
    return value


def _opt_obj(value: Any, loc: tuple[str | int, ...]) -> dict[str, Any] | None:
    return None if value is None else _obj(value, loc)


def _required(doc: dict[str, Any], key: str, loc: tuple[str | int, ...]) -> Any:
    try:
        return doc[key]
    except KeyError:
        raise _SchemaError((*loc, key), "Field required") from None


def _db_prefix(advisory_id: str) -> str:
    head = advisory_id.split("-", 1)[0]
    return head.lower() if head else "osv"


def _score(type_: str, score: str, source: str) -> SeverityScore:
    t = type_.strip().upper()
    if t == "UBUNTU":
        return SeverityScore("distro", score, "ubuntu")
    if t in ("CVSS_V2", "CVSS_V3", "CVSS_V4"):
        return SeverityScore(t, score, source)
    return SeverityScore(type_, score, source)


def _severities(value: Any, loc: tuple[str | int, ...], src: str) -> list[SeverityScore]:
    out = []
    for i, item in enumerate(_list(value, loc)):
        obj = _obj(item, (*loc, i))
        out.append(
            _score(
                _str(_required(obj, "type", (*loc, i)), (*loc, i, "type")),
                _str(_required(obj, "score", (*loc, i)), (*loc, i, "score")),
                src,
            )
        )
    return out


def _uniq(items: list[str], exclude: str | None = None) -> tuple[str, ...]:
    """Stripped, non-empty, first occurrence kept (and without ``exclude``)."""
    out: dict[str, None] = {}
    for item in items:
        s = item.strip()
        if s and s != exclude:
            out[s] = None
    return tuple(out)


def normalise_record(doc: Any, source: str) -> StoredRecord:
    """Check one parsed OSV document against the schema and normalise it.

    Raises :class:`InvalidRecord` whose message is the skip reason (``not an OSV record: …`` for
    shape errors, the OSV rule broken otherwise). Well-formed records take a fast path that checks
    exact types as it builds; anything unusual (a number where a string belongs, an event with
    several kinds, any error at all) is handed to the careful path, which applies every coercion of
    the schema and finds the reason.
    """
    try:
        return _fast(doc, source)
    except _Slow:
        return prepare(_careful(doc, source))


def _careful(doc: Any, source: str) -> Advisory:
    rec = _obj(doc, ())
    if "id" not in rec:
        raise _SchemaError(("id",), "Field required")
    advisory_id = _str(rec["id"], ("id",)).strip()
    if not advisory_id:
        raise _SchemaError(("id",), "Value error, id is empty")
    get = rec.get
    _opt_str(get("schema_version"), ("schema_version",))
    modified = _str(get("modified", ""), ("modified",))
    published = _opt_str(get("published"), ("published",))
    withdrawn = _opt_str(get("withdrawn"), ("withdrawn",))
    aliases = _str_list(get("aliases"), ("aliases",))
    related = _str_list(get("related"), ("related",))
    _str_list(get("upstream"), ("upstream",))
    summary = _opt_str(get("summary"), ("summary",))
    details = _opt_str(get("details"), ("details",))
    src = _db_prefix(advisory_id)
    severity = _severities(get("severity"), ("severity",), src)
    references: dict[str, None] = {}
    for i, ref in enumerate(_list(get("references"), ("references",))):
        obj = _obj(ref, ("references", i))
        _str(obj.get("type", ""), ("references", i, "type"))
        url = _str(obj.get("url", ""), ("references", i, "url"))
        if url:
            references[url] = None
    dbs = _opt_obj(get("database_specific"), ("database_specific",)) or {}
    affected_raw = _list(get("affected"), ("affected",))
    # Shape first (so a malformed record reports its shape error), then the OSV rules.
    checked = [_check_affected(a, ("affected", i)) for i, a in enumerate(affected_raw)]
    affected: list[Affected] = []
    dropped = 0
    for entry in checked:
        got = _affected(entry, src)
        if got is None:
            dropped += 1
            continue
        affected.append(got)
    if not affected and withdrawn is None:
        what = (
            "no affected package"
            if not dropped
            else f"none of its {dropped} affected entries names a package"
        )
        raise InvalidRecord(what)
    rating = dbs.get("severity")
    if isinstance(rating, str) and rating.strip():
        severity.append(SeverityScore("rating", rating.strip(), src))
    cwes = dbs.get("cwe_ids")
    return Advisory(
        id=advisory_id,
        source=source,
        modified=modified,
        published=published,
        withdrawn=withdrawn,
        aliases=_uniq(aliases, advisory_id),
        related=_uniq(related),
        summary=(summary or "").strip(),
        details=(details or "").strip(),
        severity=tuple(severity),
        references=tuple(references),
        affected=tuple(affected),
        cwes=tuple(str(c) for c in cwes) if isinstance(cwes, list) else (),
    )


class _Slow(Exception):
    """The fast path met something it does not handle; the careful path decides."""


_KINDS = frozenset(_EVENT_KINDS)
_EVENTS: dict[str, EventKind] = {k: k for k in _EVENT_KINDS}


def _strs(value: Any, exclude: str | None = None) -> tuple[str, ...]:
    """``_uniq`` of a list of exact strings (None is empty); anything else is :class:`_Slow`."""
    if value is None:
        return ()
    if type(value) is not list:
        raise _Slow
    try:
        d = dict.fromkeys(map(str.strip, value))
    except TypeError:
        raise _Slow from None
    d.pop("", None)
    if exclude is not None:
        d.pop(exclude, None)
    return tuple(d)


def _fast_scores(value: Any, src: str) -> list[list[str]]:
    """Severity items as stored (``[type, score, source]``, see :func:`_score`)."""
    if value is None:
        return []
    if type(value) is not list:
        raise _Slow
    out = []
    for item in value:
        if type(item) is not dict:
            raise _Slow
        t = item.get("type")
        sc = item.get("score")
        if type(t) is not str or type(sc) is not str:
            raise _Slow
        tu = t.strip().upper()
        if tu == "UBUNTU":
            out.append(["distro", sc, "ubuntu"])
        elif tu in ("CVSS_V2", "CVSS_V3", "CVSS_V4"):
            out.append([tu, sc, src])
        else:
            out.append([t, sc, src])
    return out


def _fast(rec: Any, source: str) -> StoredRecord:
    """A well-formed record straight to its stored form (the bytes :func:`prepare` gives for the
    careful path's advisory); :class:`_Slow` for anything else."""
    if type(rec) is not dict:
        raise _Slow
    get = rec.get
    aid = get("id")
    if type(aid) is not str:
        raise _Slow
    advisory_id = aid.strip()
    modified = get("modified", "")
    if not advisory_id or type(modified) is not str:
        raise _Slow
    published = get("published")
    withdrawn = get("withdrawn")
    summary = get("summary")
    details = get("details")
    for v in (get("schema_version"), published, withdrawn, summary, details):
        if v is not None and type(v) is not str:
            raise _Slow
    aliases = _strs(get("aliases"), advisory_id)
    related = _strs(get("related"))
    _strs(get("upstream"))
    src = _db_prefix(advisory_id)
    severity = _fast_scores(get("severity"), src)
    references: dict[str, None] = {}
    refs = get("references")
    if refs is not None:
        if type(refs) is not list:
            raise _Slow
        for ref in refs:
            if type(ref) is not dict:
                raise _Slow
            url = ref.get("url", "")
            if type(url) is not str or type(ref.get("type", "")) is not str:
                raise _Slow
            if url:
                references[url] = None
    dbs = get("database_specific")
    if dbs is None:
        dbs = {}
    elif type(dbs) is not dict:
        raise _Slow
    entries = get("affected")
    if type(entries) is not list or not entries:
        raise _Slow  # no usable entry: the careful path words the reason
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    items = []
    for entry in entries:
        eco, key, item = _fast_affected(entry, src)
        items.append(item)
        got = groups.get((eco, key))
        if got is None:
            groups[(eco, key)] = [item]
        else:
            got.append(item)
    if len(groups) > 1:
        for i, item in enumerate(items):
            item["x"] = i
    rating = dbs.get("severity")
    if isinstance(rating, str) and rating.strip():
        severity.append(["rating", rating.strip(), src])
    head: dict[str, Any] = {"i": advisory_id, "s": source, "m": modified}
    if published:
        head["p"] = published
    if withdrawn:
        head["w"] = withdrawn
    if aliases:
        head["a"] = aliases
    if related:
        head["r"] = related
    if summary and (summary := summary.strip()):
        head["t"] = summary
    if details and (details := details.strip()):
        head["d"] = details
    if severity:
        head["v"] = severity
    if references:
        head["u"] = tuple(references)
    cwes = dbs.get("cwe_ids")
    if isinstance(cwes, list) and cwes:
        head["c"] = [str(c) for c in cwes]
    dumps = orjson.dumps
    return StoredRecord(
        advisory_id,
        modified,
        withdrawn,
        dumps(head),
        [(eco, key, dumps(group)) for (eco, key), group in groups.items()],
    )


def _fast_affected(entry: Any, src: str) -> tuple[str, str, dict[str, Any]]:
    if type(entry) is not dict:
        raise _Slow
    get = entry.get
    pkg = get("package")
    if type(pkg) is not dict:
        raise _Slow
    eco_raw = pkg.get("ecosystem", "")
    pkg_name = pkg.get("name", "")
    purl = pkg.get("purl")
    if type(eco_raw) is not str or type(pkg_name) is not str or (purl is not None and type(purl) is not str):
        raise _Slow
    name = pkg_name.strip()
    if not name or not eco_raw.strip():
        raise _Slow
    ecosystem = canonical_ecosystem(eco_raw)
    key = normalize_name(ecosystem, pkg_name)
    item: dict[str, Any] = {} if name == key else {"n": name}
    severity = _fast_scores(get("severity"), src)
    raw_ranges = get("ranges")
    if raw_ranges:
        if type(raw_ranges) is not list:
            raise _Slow
        ranges = []
        for rng in raw_ranges:
            if type(rng) is not dict:
                raise _Slow
            rtype = rng.get("type")
            if type(rtype) is not str:
                raise _Slow
            rt = _RANGE_TYPES.get(rtype)
            repo = rng.get("repo")
            raw_events = rng.get("events")
            if rt is None or (repo is not None and type(repo) is not str) or type(raw_events) is not list:
                raise _Slow
            events = []
            has_intro = False
            for ev in raw_events:
                if type(ev) is not dict or len(ev) != 1:
                    raise _Slow
                for kind, value in ev.items():
                    if kind not in _KINDS or type(value) is not str:
                        raise _Slow
                    if kind == "introduced":
                        has_intro = True
                    events.append([kind, value.strip()])
            if not has_intro:
                raise _Slow
            ranges.append([rt, repo, events])
        item["r"] = ranges
    elif raw_ranges is not None and type(raw_ranges) is not list:
        raise _Slow
    versions = _strs(get("versions"))
    if versions:
        item["V"] = versions
    eco_spec = get("ecosystem_specific")
    db_spec = get("database_specific")
    rating = None
    if eco_spec is not None:
        if type(eco_spec) is not dict:
            raise _Slow
        urgency = eco_spec.get("urgency")
        if isinstance(urgency, str) and urgency.strip():
            severity.append(["distro", urgency.strip(), ecosystem.partition(":")[0].lower()])
        rating = eco_spec.get("severity")
    if db_spec is not None:
        if type(db_spec) is not dict:
            raise _Slow
        vector = db_spec.get("cvss")
        if isinstance(vector, str) and vector.startswith("CVSS:"):
            severity.append(["CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3", vector, src])
    if isinstance(rating, str) and rating.strip():
        severity.append(["rating", rating.strip(), src])
    if severity:
        item["v"] = severity
    if purl:
        item["p"] = purl
    return ecosystem, key, item


#: One ``affected[]`` entry after the shape check: package (ecosystem, name, purl) or None, the
#: ranges as (type, repo, [(kind, value) or the count of kinds]), versions, severity items, and the
#: two free-form objects.
_Checked = tuple[
    tuple[str, str, str | None] | None,
    list[tuple[str, str | None, list[tuple[str, str] | int]]],
    list[str],
    list[tuple[str, str]],
    dict[str, Any] | None,
    dict[str, Any] | None,
]


def _check_affected(value: Any, loc: tuple[str | int, ...]) -> _Checked:
    entry = _obj(value, loc)
    pkg_raw = _opt_obj(entry.get("package"), (*loc, "package"))
    pkg = None
    if pkg_raw is not None:
        ploc = (*loc, "package")
        pkg = (
            _str(pkg_raw.get("ecosystem", ""), (*ploc, "ecosystem")),
            _str(pkg_raw.get("name", ""), (*ploc, "name")),
            _opt_str(pkg_raw.get("purl"), (*ploc, "purl")),
        )
    severity = []
    for i, item in enumerate(_list(entry.get("severity"), (*loc, "severity"))):
        obj = _obj(item, (*loc, "severity", i))
        severity.append(
            (
                _str(_required(obj, "type", (*loc, "severity", i)), (*loc, "severity", i, "type")),
                _str(_required(obj, "score", (*loc, "severity", i)), (*loc, "severity", i, "score")),
            )
        )
    ranges: list[tuple[str, str | None, list[tuple[str, str] | int]]] = []
    for i, rng in enumerate(_list(entry.get("ranges"), (*loc, "ranges"))):
        rloc = (*loc, "ranges", i)
        robj = _obj(rng, rloc)
        rtype = _str(_required(robj, "type", rloc), (*rloc, "type"))
        repo = _opt_str(robj.get("repo"), (*rloc, "repo"))
        events: list[tuple[str, str] | int] = []
        for j, ev in enumerate(_list(robj.get("events"), (*rloc, "events"))):
            eobj = _obj(ev, (*rloc, "events", j))
            kinds: list[tuple[str, str]] = []
            for kind in _EVENT_KINDS:
                v = eobj.get(kind)
                if v is not None:
                    kinds.append((kind, _str(v, (*rloc, "events", j, kind))))
            events.append(kinds[0] if len(kinds) == 1 else len(kinds))
        ranges.append((rtype, repo, events))
    versions = _str_list(entry.get("versions"), (*loc, "versions"))
    eco_spec = _opt_obj(entry.get("ecosystem_specific"), (*loc, "ecosystem_specific"))
    db_spec = _opt_obj(entry.get("database_specific"), (*loc, "database_specific"))
    return pkg, ranges, versions, severity, eco_spec, db_spec


def _affected(checked: _Checked, src: str) -> Affected | None:
    pkg, raw_ranges, raw_versions, raw_severity, eco_spec, db_spec = checked
    if pkg is None:
        return None
    eco_raw, pkg_name, purl = pkg
    if not eco_raw.strip() or not pkg_name.strip():
        return None
    ecosystem = canonical_ecosystem(eco_raw)
    ranges: list[Range] = []
    for rtype_raw, repo, raw_events in raw_ranges:
        rtype = rtype_raw.strip().upper()
        rt = _RANGE_TYPES.get(rtype)
        if rt is None:
            raise InvalidRecord(f"{pkg_name}: unknown range type {rtype_raw!r}")
        events: list[Event] = []
        has_intro = False
        for ev in raw_events:
            if type(ev) is int:
                raise InvalidRecord(f"{pkg_name}: {rtype} event with {ev} kinds (exactly one expected)")
            kind, value = ev  # type: ignore[misc]
            if kind == "introduced":
                has_intro = True
            events.append(Event(kind, value.strip()))  # type: ignore[arg-type]
        if not has_intro:
            raise InvalidRecord(f"{pkg_name}: {rtype} range without an introduced event")
        ranges.append(Range(rt, tuple(events), repo))
    severity = [_score(t, s, src) for t, s in raw_severity]
    if eco_spec:
        urgency = eco_spec.get("urgency")
        if isinstance(urgency, str) and urgency.strip():
            severity.append(SeverityScore("distro", urgency.strip(), ecosystem.partition(":")[0].lower()))
        rating = eco_spec.get("severity")
    else:
        rating = None
    if db_spec:
        vector = db_spec.get("cvss")
        if isinstance(vector, str) and vector.startswith("CVSS:"):
            cvss_type = "CVSS_V4" if vector.startswith("CVSS:4") else "CVSS_V3"
            severity.append(SeverityScore(cvss_type, vector, src))
    if isinstance(rating, str) and rating.strip():
        severity.append(SeverityScore("rating", rating.strip(), src))
    return Affected(
        ecosystem=ecosystem,
        name=pkg_name.strip(),
        key=normalize_name(ecosystem, pkg_name),
        ranges=tuple(ranges),
        versions=_uniq(raw_versions),
        severity=tuple(severity),
        purl=purl,
    )


# -- documents, zips and files --------------------------------------------------------------------


def _parse_json(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        pass

    # orjson refuses integers beyond 64 bits, which JSON allows; NaN/Infinity stay invalid.
    def _no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not valid JSON")

    return json.loads(data, parse_constant=_no_constants)


def _stored_bytes(data: bytes, where: str, source: str, report: IngestReport) -> Iterator[StoredRecord]:
    report.read += 1
    if len(data) > MAX_RECORD_BYTES:
        report.skip(where, f"record is {len(data)} bytes, over the {MAX_RECORD_BYTES}-byte limit")
        return
    try:
        doc = _parse_json(data)
    except (ValueError, UnicodeDecodeError) as exc:
        report.skip(where, f"invalid JSON: {exc}")
        return
    if type(doc) is list:
        report.read -= 1
        for i, item in enumerate(doc):
            report.read += 1
            yield from _one(item, f"{where}[{i}]", source, report)
        return
    yield from _one(doc, where, source, report)


def _one(doc: Any, where: str, source: str, report: IngestReport) -> Iterator[StoredRecord]:
    try:
        rec = normalise_record(doc, source)
    except _SchemaError as exc:
        report.skip(where, str(exc))
        return
    except InvalidRecord as exc:
        report.skip(f"{where} ({str(doc['id']).strip()})", str(exc))
        return
    yield rec


def _advisories(records: Iterator[StoredRecord]) -> Iterator[Advisory]:
    for rec in records:
        yield decode_stored(rec.doc, rec.rows)


def read_osv_bytes(data: bytes, where: str, source: str, report: IngestReport) -> Iterator[Advisory]:
    """One OSV document: a record, or a JSON array of records (as ``bastion db import`` accepts)."""
    return _advisories(_stored_bytes(data, where, source, report))


_LOCAL_HEADER = struct.Struct("<IHHHHHIIIHH")
#: isal's exception class (its stubs declare ``error`` as an instance, not a class)
_IsalError = cast("type[Exception]", isal_zlib.error)
_LOCAL_MAGIC = 0x04034B50


def _member_bytes(buf: mmap.mmap, info: zipfile.ZipInfo) -> bytes | None:
    """The inflated, CRC-checked bytes of a stored or deflated member; None for anything unusual
    (encryption, other methods), which :mod:`zipfile` then reads. Damage raises ``zlib.error``."""
    if info.flag_bits & 0x1 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    off = info.header_offset
    head = buf[off : off + _LOCAL_HEADER.size]
    if len(head) != _LOCAL_HEADER.size:
        raise zlib.error("local header beyond the end of the archive")
    fields = _LOCAL_HEADER.unpack(head)
    if fields[0] != _LOCAL_MAGIC:
        raise zlib.error("bad local header signature")
    start = off + _LOCAL_HEADER.size + fields[9] + fields[10]
    raw = buf[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zlib.error("member data beyond the end of the archive")
    data = raw if info.compress_type == zipfile.ZIP_STORED else isal_zlib.decompress(raw, -15)
    if len(data) != info.file_size:
        raise zlib.error(f"inflated to {len(data)} bytes, the directory says {info.file_size}")
    if isal_zlib.crc32(data) != info.CRC:
        raise zlib.error("CRC-32 mismatch")
    return data


def stored_osv_zip(path: Path | str, source: str, report: IngestReport) -> Iterator[StoredRecord]:
    """Every ``*.json`` member of an OSV ``all.zip``, in stored form (what the database writer takes).
    A damaged archive raises :class:`FetchError`."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FetchError(
            f"{path}: not a readable zip archive ({exc})",
            hint="the download may be truncated; run the update again",
        ) from None
    with zf, open(path, "rb") as fh:
        try:
            buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise FetchError(f"{path}: cannot map the archive ({exc})") from None
        with buf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.endswith(".json"):
                    continue
                where = f"{path}!{info.filename}"
                if info.file_size > MAX_RECORD_BYTES:
                    report.read += 1
                    report.skip(where, f"member is {info.file_size} bytes, over the limit")
                    continue
                try:
                    data = _member_bytes(buf, info)
                    if data is None:
                        data = zf.read(info)
                except (zipfile.BadZipFile, zlib.error, _IsalError, EOFError, OSError) as exc:
                    raise FetchError(
                        f"{where}: damaged archive member ({exc})",
                        hint="the download may be corrupt; run the update again",
                    ) from None
                yield from _stored_bytes(data, where, source, report)


def read_osv_zip(path: Path | str, source: str, report: IngestReport) -> Iterator[Advisory]:
    """Every ``*.json`` member of an OSV ``all.zip``. A damaged archive raises :class:`FetchError`."""
    return _advisories(stored_osv_zip(path, source, report))


def stored_osv_file(path: Path, source: str, report: IngestReport) -> Iterator[StoredRecord]:
    """An OSV ``.json`` file (one record or an array) or a ``.zip`` of records, in stored form."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise FetchError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if head.startswith(b"PK"):
        yield from stored_osv_zip(path, source, report)
        return
    yield from _stored_bytes(path.read_bytes(), str(path), source, report)


def read_osv_file(path: Path, source: str, report: IngestReport) -> Iterator[Advisory]:
    """An OSV ``.json`` file (one record or an array) or a ``.zip`` of records."""
    return _advisories(stored_osv_file(path, source, report))
