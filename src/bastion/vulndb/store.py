"""The advisory store: one SQLite file, schema-versioned, indexed by (ecosystem, normalised name).

Layout (``SCHEMA_VERSION`` 2)::

    meta(key, value)                       schema_version, revision, built, bastion_version
    sources(name, kind, updated, data_date, records, revision, location, skipped, detail)
    fetch_state(source, location, sha256, etag, last_modified)
    advisories(rowid, source, id, modified, withdrawn, digest, doc)       UNIQUE(source, id)
    affected(advisory → advisories.rowid, ecosystem, name, entries)      INDEX (ecosystem, name)
    kev(cve, date_added, due_date, ransomware, name)
    epss(cve, score, percentile)

An advisory is stored in two parts, so that matching reads only what it evaluates:

- ``advisories.doc``, the *head*: ids, text, severity, references and dates as compact JSON (short
  keys, empty fields omitted);
- one ``affected`` row per distinct (ecosystem, normalised name) of its ``affected[]`` entries, whose
  ``entries`` column holds those entries (ranges with their events, versions, per-package severity)
  as compact JSON. A lookup by package reads these rows only, never the entries of the other
  packages an advisory names (a GHSA can name dozens), and decodes a head once per advisory.

``digest`` is a hash of both parts, which makes re-imports incremental: an unchanged record is not
rewritten, and the records of a source that disappeared upstream are removed.
``affected.ecosystem`` is the canonical OSV ecosystem string with its release (``Debian:12``),
``affected.name`` the normalised name.

:class:`SqliteStore` is the read-only :class:`~bastion.vulndb.base.AdvisoryStore`; :class:`DbBuilder`
writes a *new* file that :mod:`bastion.vulndb.update` validates and renames into place.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from bastion import __version__
from bastion.model import DbInfo, DbRevision, DbSourceInfo
from bastion.vulndb._gc import gc_paused
from bastion.vulndb.base import (
    Advisory,
    Affected,
    Candidate,
    DbCorruptError,
    Event,
    IngestReport,
    KevEntry,
    Range,
    SeverityScore,
)
from bastion.vulndb.match import canonical_ecosystem, name_normalizer

__all__ = [
    "SCHEMA_VERSION",
    "DbBuilder",
    "SourceRow",
    "SqliteStore",
    "StoredRecord",
    "decode",
    "decode_stored",
    "encode",
    "prepare",
]

SCHEMA_VERSION = 2

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, updated TEXT, data_date TEXT, records INTEGER NOT NULL DEFAULT 0,
    revision TEXT, location TEXT, skipped INTEGER NOT NULL DEFAULT 0, detail TEXT
);
CREATE TABLE fetch_state (
    source TEXT NOT NULL, location TEXT NOT NULL, sha256 TEXT, etag TEXT, last_modified TEXT,
    PRIMARY KEY (source, location)
);
CREATE TABLE advisories (
    rowid INTEGER PRIMARY KEY, source TEXT NOT NULL, id TEXT NOT NULL, modified TEXT NOT NULL,
    withdrawn INTEGER NOT NULL, digest BLOB NOT NULL, doc BLOB NOT NULL, UNIQUE (source, id)
);
CREATE INDEX advisories_id ON advisories (id);
CREATE TABLE affected (advisory INTEGER NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, entries BLOB NOT NULL);
CREATE INDEX affected_key ON affected (ecosystem, name);
CREATE INDEX affected_advisory ON affected (advisory);
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware INTEGER, name TEXT);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL);
"""


# -- document encoding ---------------------------------------------------------------------------


@dataclass(slots=True)
class StoredRecord:
    """An advisory in its stored form: the encoded head and one encoded row per package key.

    :func:`prepare` makes one from an :class:`Advisory`; the OSV ingest builds it straight from the
    JSON record (the same bytes, checked by the tests), skipping the intermediate objects.
    """

    id: str
    modified: str
    withdrawn: str | None
    doc: bytes
    #: (ecosystem, normalised name, encoded entries) per distinct package key, first-seen order.
    rows: list[tuple[str, str, bytes]]


def _enc_scores(scores: Sequence[SeverityScore]) -> list[list[str]]:
    return [[s.type, s.score, s.source] for s in scores]


def _head(adv: Advisory) -> dict[str, Any]:
    doc: dict[str, Any] = {"i": adv.id, "s": adv.source, "m": adv.modified}
    if adv.published:
        doc["p"] = adv.published
    if adv.withdrawn:
        doc["w"] = adv.withdrawn
    if adv.aliases:
        doc["a"] = list(adv.aliases)
    if adv.related:
        doc["r"] = list(adv.related)
    if adv.summary:
        doc["t"] = adv.summary
    if adv.details:
        doc["d"] = adv.details
    if adv.severity:
        doc["v"] = _enc_scores(adv.severity)
    if adv.references:
        doc["u"] = list(adv.references)
    if adv.cwes:
        doc["c"] = list(adv.cwes)
    return doc


def _item(a: Affected) -> dict[str, Any]:
    """One entry without its ecosystem and key (the row has them)."""
    item: dict[str, Any] = {}
    if a.name != a.key:
        item["n"] = a.name
    if a.ranges:
        item["r"] = [[r.type, r.repo, [[ev.kind, ev.value] for ev in r.events]] for r in a.ranges]
    if a.versions:
        item["V"] = list(a.versions)
    if a.severity:
        item["v"] = _enc_scores(a.severity)
    if a.purl:
        item["p"] = a.purl
    if a.fix_state:
        item["f"] = a.fix_state
    if a.urgency:
        item["g"] = a.urgency
    return item


def prepare(adv: Advisory) -> StoredRecord:
    """The stored form of an advisory. Entries of an advisory that names several packages carry
    their position (``x``), so the published order of ``affected`` survives the split."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for a in adv.affected:
        groups.setdefault((a.ecosystem, a.key), []).append(_item(a))
    if len(groups) > 1:
        groups = {}
        for i, a in enumerate(adv.affected):
            item = _item(a)
            item["x"] = i
            groups.setdefault((a.ecosystem, a.key), []).append(item)
    rows = [(eco, key, orjson.dumps(items)) for (eco, key), items in groups.items()]
    return StoredRecord(adv.id, adv.modified, adv.withdrawn, orjson.dumps(_head(adv)), rows)


def _dec_scores(items: list[list[str]] | None) -> tuple[SeverityScore, ...]:
    return tuple([SeverityScore(t, s, src) for t, s, src in items]) if items else ()


def _dec_head(doc: dict[str, Any], affected: tuple[Affected, ...] = ()) -> Advisory:
    return Advisory(
        id=doc["i"],
        source=doc["s"],
        modified=doc.get("m", ""),
        published=doc.get("p"),
        withdrawn=doc.get("w"),
        aliases=tuple(doc.get("a", ())),
        related=tuple(doc.get("r", ())),
        summary=doc.get("t", ""),
        details=doc.get("d", ""),
        severity=_dec_scores(doc.get("v")),
        references=tuple(doc.get("u", ())),
        affected=affected,
        cwes=tuple(doc.get("c", ())),
    )


#: kind → value → event: events are immutable and repeat a lot (``introduced 0``), so one object per
#: distinct event is shared by every range that has it.
_EVENTS: dict[str, dict[str, Event]] = {"introduced": {}, "fixed": {}, "last_affected": {}, "limit": {}}


def _event(kind: str, value: str) -> Event:
    per_kind = _EVENTS.get(kind)
    if per_kind is None:  # not an OSV event kind: never stored, but decode it faithfully
        return Event(kind, value)  # type: ignore[arg-type]
    ev = per_kind.get(value)
    if ev is None:
        if len(per_kind) >= 50_000:
            per_kind.clear()
        ev = per_kind[value] = Event(kind, value)  # type: ignore[arg-type]
    return ev


def _dec_item(eco: str, key: str, item: dict[str, Any]) -> Affected:
    ranges = item.get("r")
    return Affected(
        ecosystem=eco,
        name=item.get("n", key),
        key=key,
        ranges=tuple(
            [Range(rtype, tuple([_event(k, v) for k, v in events]), repo) for rtype, repo, events in ranges]
        )
        if ranges
        else (),
        versions=tuple(item.get("V", ())),
        severity=_dec_scores(item.get("v")),
        purl=item.get("p"),
        fix_state=item.get("f"),
        urgency=item.get("g"),
    )


def _dec_rows(rows: Iterable[tuple[str, str, bytes]]) -> tuple[Affected, ...]:
    items: list[tuple[int, str, str, dict[str, Any]]] = []
    for eco, key, blob in rows:
        for item in orjson.loads(blob):
            items.append((item.get("x", 0), eco, key, item))
    items.sort(key=lambda t: t[0])  # stable: entries of one-key advisories keep their order
    return tuple(_dec_item(eco, key, item) for _, eco, key, item in items)


def decode_stored(doc: bytes, rows: Iterable[tuple[str, str, bytes]]) -> Advisory:
    """The advisory of a stored head and its ``affected`` rows."""
    return _dec_head(orjson.loads(doc), _dec_rows(rows))


def encode(adv: Advisory) -> bytes:
    """The advisory as one compact JSON document (head plus every entry with its ecosystem and key)."""
    doc = _head(adv)
    doc["A"] = [{"e": a.ecosystem, "k": a.key, **_item(a)} for a in adv.affected]
    return orjson.dumps(doc)


def decode(data: bytes | str) -> Advisory:
    """The inverse of :func:`encode`."""
    doc = orjson.loads(data)
    return _dec_head(doc, tuple(_dec_item(i["e"], i["k"], i) for i in doc.get("A", ())))


def _digest(rec: StoredRecord) -> bytes:
    h = hashlib.sha256(rec.doc)
    for eco, key, blob in rec.rows:
        h.update(b"\x00%s\x00%s\x00" % (eco.encode(), key.encode()))
        h.update(blob)
    return h.digest()[:16]


# -- reading ------------------------------------------------------------------------------------


class SourceRow:
    """One row of the ``sources`` table."""

    __slots__ = (
        "data_date",
        "detail",
        "kind",
        "location",
        "name",
        "records",
        "revision",
        "skipped",
        "updated",
    )

    def __init__(self, row: sqlite3.Row) -> None:
        self.name: str = row["name"]
        self.kind: str = row["kind"]
        self.updated: str | None = row["updated"]
        self.data_date: str | None = row["data_date"]
        self.records: int = row["records"]
        self.revision: str | None = row["revision"]
        self.location: str | None = row["location"]
        self.skipped: int = row["skipped"]
        self.detail: dict[str, Any] = json.loads(row["detail"]) if row["detail"] else {}


def _by_id_source(c: Candidate) -> tuple[str, str]:
    return (c.advisory.id, c.advisory.source)


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise DbCorruptError(f"{path}: no vulnerability database here", hint="run `bastion db update`")
    try:
        # The file is only ever replaced by rename, never modified in place, so it can be opened
        # immutable: no locking, no journal look-ups.
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        conn.execute("PRAGMA query_only=1")
        return conn
    except sqlite3.Error as exc:
        raise DbCorruptError(f"{path}: cannot open the vulnerability database ({exc})") from None


def check_schema(conn: sqlite3.Connection, where: str) -> dict[str, str]:
    try:
        meta = {r[0]: r[1] for r in conn.execute("SELECT key, value FROM meta")}
    except sqlite3.DatabaseError as exc:
        raise DbCorruptError(
            f"{where}: not a bastion vulnerability database ({exc})",
            hint="run `bastion db update` to rebuild it",
        ) from None
    version = meta.get("schema_version")
    if version != str(SCHEMA_VERSION):
        raise DbCorruptError(
            f"{where}: database schema {version or 'unknown'}, this bastion reads schema {SCHEMA_VERSION}",
            hint="run `bastion db update` to rebuild it",
        )
    return meta


#: Names per ``IN (…)`` lookup query (SQLite's variable limit is 32,766 since 3.32, 999 before).
_LOOKUP_CHUNK = 900


class SqliteStore:
    """Read-only access to one database file (a fixed revision).

    Decoded heads, candidate lists and full advisories are cached per store (bounded by
    ``cache_size``), so a long-running process (the server) decodes each advisory once.
    """

    def __init__(self, path: Path | str, *, cache_size: int = 50_000) -> None:
        self.path = Path(path)
        self._conn = _connect_ro(self.path)
        self._meta = check_schema(self._conn, str(self.path))
        self._heads: dict[int, Advisory] = {}
        self._docs: dict[int, Advisory] = {}
        #: ecosystem → normalised name → candidates (two levels: no tuple key per looked-up name)
        self._cands: dict[str, dict[str, tuple[Candidate, ...]]] = {}
        self._cached_lookups = 0
        self._cache_size = cache_size
        self._kev: dict[str, KevEntry] | None = None
        self._epss_count: int | None = None

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- AdvisoryStore ---------------------------------------------------------------------------

    def revision(self) -> DbRevision:
        return DbRevision(self._meta.get("revision", ""))

    @property
    def built(self) -> str | None:
        return self._meta.get("built")

    def lookup(self, ecosystem: str, names: Iterable[str]) -> dict[str, tuple[Candidate, ...]]:
        eco = canonical_ecosystem(ecosystem)
        norm = name_normalizer(eco)
        keyed = {name: norm(name) for name in names}
        cands = self._cands.get(eco)
        if cands is None:
            cands = self._cands[eco] = {}
        got: dict[str, tuple[Candidate, ...]] = {}
        missing: list[str] = []
        for key in keyed.values():
            if key not in got:
                hit = cands.get(key)
                if hit is None:
                    missing.append(key)
                    got[key] = ()
                else:
                    got[key] = hit
        if missing:
            found = self._query(eco, missing)
            if self._cached_lookups + len(missing) > self._cache_size:
                for per_eco in self._cands.values():
                    per_eco.clear()
                self._cached_lookups = 0
            self._cached_lookups += len(missing)
            for key in missing:
                these = found.get(key)
                if these is not None:
                    these.sort(key=_by_id_source)
                    got[key] = tuple(these)
                cands[key] = got[key]
        return {name: got[key] for name, key in keyed.items()}

    def _query(self, eco: str, keys: list[str]) -> dict[str, list[Candidate]]:
        """One query per chunk of names; heads decoded once per advisory, entries per row."""
        found: dict[str, list[Candidate]] = {}
        heads = self._heads
        for i in range(0, len(keys), _LOOKUP_CHUNK):
            chunk = keys[i : i + _LOOKUP_CHUNK]
            rows = self._conn.execute(
                "SELECT f.name, f.advisory, f.entries, a.doc FROM affected f "
                "JOIN advisories a ON a.rowid = f.advisory "
                f"WHERE f.ecosystem = ? AND f.name IN ({','.join('?' * len(chunk))}) AND a.withdrawn = 0",
                (eco, *chunk),
            ).fetchall()
            for key, ref, entries, doc in rows:
                head = heads.get(ref)
                if head is None:
                    if len(heads) >= self._cache_size:
                        heads.clear()
                    head = heads[ref] = _dec_head(orjson.loads(doc))
                # one row holds its entries in published order (positions only matter across rows)
                items = tuple([_dec_item(eco, key, item) for item in orjson.loads(entries)])
                found.setdefault(key, []).append(Candidate(ref, head, items))
        return found

    def candidates(self, ecosystem: str, name: str) -> tuple[Advisory, ...]:
        return tuple(self._full(c.ref) for c in self.lookup(ecosystem, [name])[name])

    def _full(self, ref: int, doc: bytes | None = None) -> Advisory:
        adv = self._docs.get(ref)
        if adv is None:
            if doc is None:
                doc = self._conn.execute("SELECT doc FROM advisories WHERE rowid = ?", (ref,)).fetchone()[0]
            rows = self._conn.execute(
                "SELECT ecosystem, name, entries FROM affected WHERE advisory = ? ORDER BY rowid", (ref,)
            ).fetchall()
            adv = decode_stored(doc, rows)
            if len(self._docs) >= self._cache_size:
                self._docs.clear()
            self._docs[ref] = adv
        return adv

    def get(self, advisory_id: str) -> Advisory | None:
        """The advisory with this id (the most recently modified when several sources carry it)."""
        row = self._conn.execute(
            "SELECT rowid, doc FROM advisories WHERE id = ? ORDER BY withdrawn, modified DESC LIMIT 1",
            (advisory_id,),
        ).fetchone()
        return None if row is None else self._full(row[0], row[1])

    def info(self) -> DbInfo:
        return DbInfo(
            revision=self._meta.get("revision"),
            sources={
                s.name: DbSourceInfo(updated=s.updated, records=s.records, revision=s.revision)
                for s in self.sources()
            },
        )

    def kev(self, cve: str) -> KevEntry | None:
        if self._kev is None:
            self._kev = {
                cve: KevEntry(cve, added or "", due, None if ransom is None else bool(ransom), name or "")
                for cve, added, due, ransom, name in self._conn.execute(
                    "SELECT cve, date_added, due_date, ransomware, name FROM kev"
                )
            }
        return self._kev.get(cve)

    def epss(self, cve: str) -> tuple[float, float] | None:
        if self._epss_count is None:
            self._epss_count = self._conn.execute("SELECT COUNT(*) FROM epss").fetchone()[0]
        if not self._epss_count:
            return None
        row = self._conn.execute("SELECT score, percentile FROM epss WHERE cve = ?", (cve,)).fetchone()
        return None if row is None else (float(row[0]), float(row[1]))

    # -- status ----------------------------------------------------------------------------------

    def sources(self) -> list[SourceRow]:
        return [SourceRow(r) for r in self._named("SELECT * FROM sources ORDER BY name")]

    def _named(self, sql: str) -> list[sqlite3.Row]:
        cur = self._conn.cursor()
        cur.row_factory = sqlite3.Row
        return cur.execute(sql).fetchall()

    def meta(self) -> dict[str, str]:
        return dict(self._meta)

    def counts(self) -> dict[str, int]:
        one = self._conn.execute
        return {
            "advisories": one("SELECT COUNT(*) FROM advisories WHERE withdrawn = 0").fetchone()[0],
            "withdrawn": one("SELECT COUNT(*) FROM advisories WHERE withdrawn = 1").fetchone()[0],
            "packages": one(
                "SELECT COUNT(*) FROM (SELECT DISTINCT ecosystem, name FROM affected)"
            ).fetchone()[0],
            "kev": one("SELECT COUNT(*) FROM kev").fetchone()[0],
            "epss": one("SELECT COUNT(*) FROM epss").fetchone()[0],
        }

    def iter_advisories(self, source: str | None = None) -> Iterator[Advisory]:
        sql = "SELECT rowid, doc FROM advisories"
        args: tuple[str, ...] = ()
        if source is not None:
            sql += " WHERE source = ?"
            args = (source,)
        for rowid, doc in self._conn.execute(sql + " ORDER BY rowid", args).fetchall():
            yield self._full(rowid, doc)


# -- writing ------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class DbBuilder:
    """Writes one database file; used only on a fresh temporary file that is renamed when valid.

    Opening an existing file continues from its content (incremental updates copy the live database
    first). Everything happens in one transaction per source; nothing here is durable until
    :meth:`finish`.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        fresh = not path.exists() or path.stat().st_size == 0
        self._conn = sqlite3.connect(str(path), isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("PRAGMA cache_size=-65536")
        self._conn.execute("PRAGMA temp_store=MEMORY")
        if fresh:
            self._conn.executescript(_SCHEMA)
            self._set_meta({"schema_version": str(SCHEMA_VERSION), "created": _now()})
        else:
            check_schema(self._conn, str(path))

    def close(self) -> None:
        self._conn.close()

    def _set_meta(self, values: dict[str, str]) -> None:
        self._conn.executemany("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", values.items())

    # -- advisories ------------------------------------------------------------------------------

    def replace_source(
        self,
        source: str,
        advisories: Iterable[Advisory | StoredRecord],
        report: IngestReport,
        *,
        partial: bool = False,
    ) -> None:
        """Make ``source`` hold exactly ``advisories`` (or, with ``partial``, add/replace just these).

        Unchanged records (same digest) are left alone; records no longer present are removed unless
        ``partial``. Two records of one source with the same id: the later ``modified`` wins.
        Rows are written in batches (``executemany``) with row ids assigned here, with the garbage
        collector paused (:func:`~bastion.vulndb._gc.gc_paused`; downloads happen before, outside it).
        """
        with gc_paused():
            self._replace_source(source, advisories, report, partial=partial)

    def _replace_source(
        self,
        source: str,
        advisories: Iterable[Advisory | StoredRecord],
        report: IngestReport,
        *,
        partial: bool,
    ) -> None:
        conn = self._conn
        conn.execute("BEGIN")
        try:
            existing: dict[str, tuple[int, bytes]] = {
                r[0]: (r[1], r[2])
                for r in conn.execute("SELECT id, rowid, digest FROM advisories WHERE source = ?", (source,))
            }
            next_rowid = int(conn.execute("SELECT COALESCE(MAX(rowid), 0) FROM advisories").fetchone()[0]) + 1
            seen: dict[str, str] = {}  # id -> modified of the version kept in this run
            pending: dict[int, tuple[Any, ...]] = {}
            pending_rows: dict[int, list[tuple[int, str, str, bytes]]] = {}
            stale: list[tuple[int]] = []

            def flush() -> None:
                if stale:
                    conn.executemany("DELETE FROM affected WHERE advisory = ?", stale)
                    stale.clear()
                conn.executemany(
                    "INSERT OR REPLACE INTO advisories (rowid, source, id, modified, withdrawn, digest, doc) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    pending.values(),
                )
                conn.executemany(
                    "INSERT INTO affected (advisory, ecosystem, name, entries) VALUES (?, ?, ?, ?)",
                    [row for rows in pending_rows.values() for row in rows],
                )
                pending.clear()
                pending_rows.clear()

            for item in advisories:
                rec = item if isinstance(item, StoredRecord) else prepare(item)
                aid = rec.id
                if aid in seen:
                    if rec.modified <= seen[aid]:
                        report.skip(
                            f"{source}:{aid}", "duplicate id in the same source; kept the newer record"
                        )
                        continue
                    report.skip(
                        f"{source}:{aid}", "duplicate id in the same source; replaced by a newer record"
                    )
                seen[aid] = rec.modified
                digest = _digest(rec)
                if rec.withdrawn:
                    report.withdrawn += 1
                old = existing.get(aid)
                if old is not None and old[1] == digest:
                    report.unchanged += 1
                    continue
                if old is not None:
                    rowid = old[0]
                    if rowid not in pending:
                        stale.append((rowid,))
                else:
                    rowid = next_rowid
                    next_rowid += 1
                existing[aid] = (rowid, digest)
                pending[rowid] = (
                    rowid,
                    source,
                    aid,
                    rec.modified,
                    1 if rec.withdrawn else 0,
                    digest,
                    rec.doc,
                )
                pending_rows[rowid] = [(rowid, eco, key, blob) for eco, key, blob in rec.rows]
                report.imported += 1
                if len(pending) >= 2000:
                    flush()
            flush()
            if not partial:
                gone = [(rowid,) for aid, (rowid, _) in existing.items() if aid not in seen]
                if gone:
                    conn.executemany("DELETE FROM affected WHERE advisory = ?", gone)
                    conn.executemany("DELETE FROM advisories WHERE rowid = ?", gone)
                    report.removed += len(gone)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def drop_source(self, source: str) -> None:
        conn = self._conn
        conn.execute("BEGIN")
        conn.execute(
            "DELETE FROM affected WHERE advisory IN (SELECT rowid FROM advisories WHERE source = ?)",
            (source,),
        )
        conn.execute("DELETE FROM advisories WHERE source = ?", (source,))
        conn.execute("DELETE FROM sources WHERE name = ?", (source,))
        conn.execute("DELETE FROM fetch_state WHERE source = ?", (source,))
        conn.execute("COMMIT")

    def source_names(self) -> list[str]:
        return [r[0] for r in self._conn.execute("SELECT name FROM sources ORDER BY name")]

    def count(self, source: str) -> int:
        return int(
            self._conn.execute("SELECT COUNT(*) FROM advisories WHERE source = ?", (source,)).fetchone()[0]
        )

    def newest_modified(self, source: str) -> str | None:
        row = self._conn.execute(
            "SELECT MAX(modified) FROM advisories WHERE source = ? AND modified NOT LIKE '0001-%'", (source,)
        ).fetchone()
        return row[0] if row and row[0] else None

    # -- KEV / EPSS ------------------------------------------------------------------------------

    def replace_kev(self, entries: Iterable[KevEntry]) -> int:
        conn = self._conn
        conn.execute("BEGIN")
        try:
            conn.execute("DELETE FROM kev")
            rows = [
                (e.cve, e.date_added, e.due_date, None if e.ransomware is None else int(e.ransomware), e.name)
                for e in entries
            ]
            conn.executemany("INSERT OR REPLACE INTO kev VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(rows)

    def replace_epss(self, rows: Iterable[tuple[str, float, float]]) -> int:
        conn = self._conn
        conn.execute("BEGIN")
        try:
            conn.execute("DELETE FROM epss")
            data = list(rows)
            conn.executemany("INSERT OR REPLACE INTO epss VALUES (?, ?, ?)", data)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return len(data)

    # -- bookkeeping -----------------------------------------------------------------------------

    def set_source(
        self,
        name: str,
        *,
        kind: str,
        records: int,
        revision: str | None,
        location: str | None,
        skipped: int = 0,
        data_date: str | None = None,
        detail: dict[str, Any] | None = None,
        updated: str | None = None,
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO sources (name, kind, updated, data_date, records, revision, location, skipped, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                name,
                kind,
                updated or _now(),
                data_date,
                records,
                revision,
                location,
                skipped,
                json.dumps(detail or {}),
            ),
        )

    def fetch_state(self, source: str, location: str) -> dict[str, str | None] | None:
        row = self._conn.execute(
            "SELECT sha256, etag, last_modified FROM fetch_state WHERE source = ? AND location = ?",
            (source, location),
        ).fetchone()
        return None if row is None else {"sha256": row[0], "etag": row[1], "last_modified": row[2]}

    def set_fetch_state(
        self,
        source: str,
        location: str,
        *,
        sha256: str | None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        self._conn.execute(
            "INSERT OR REPLACE INTO fetch_state (source, location, sha256, etag, last_modified) VALUES (?, ?, ?, ?, ?)",
            (source, location, sha256, etag, last_modified),
        )

    def finish(self, *, compact: bool = False) -> str:
        """Compute the revision, write the metadata, validate, and make the file durable."""
        conn = self._conn
        h = hashlib.sha256()
        for name, revision, records in conn.execute(
            "SELECT name, revision, records FROM sources ORDER BY name"
        ):
            h.update(f"{name}\x00{revision or ''}\x00{records}\n".encode())
        revision = h.hexdigest()[:24]
        self._set_meta({"revision": revision, "built": _now(), "bastion_version": __version__})
        conn.execute("ANALYZE")
        if compact:
            conn.execute("VACUUM")
        validate(conn, str(self.path))
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()
        return revision


def validate(conn: sqlite3.Connection, where: str) -> None:
    """Fail unless the file is an intact database of this schema with consistent rows."""
    check_schema(conn, where)
    result = conn.execute("PRAGMA quick_check").fetchone()[0]
    if result != "ok":
        raise DbCorruptError(f"{where}: database failed its integrity check: {result}")
    orphans = conn.execute(
        "SELECT COUNT(*) FROM affected WHERE advisory NOT IN (SELECT rowid FROM advisories)"
    ).fetchone()[0]
    if orphans:
        raise DbCorruptError(f"{where}: {orphans} package rows point at missing advisories")
    # stored documents must decode (a sample: the first 50 advisories, heads and entries)
    for rowid, doc in conn.execute("SELECT rowid, doc FROM advisories ORDER BY rowid LIMIT 50").fetchall():
        rows = conn.execute(
            "SELECT ecosystem, name, entries FROM affected WHERE advisory = ? ORDER BY rowid", (rowid,)
        ).fetchall()
        try:
            decode_stored(doc, rows)
        except (ValueError, KeyError, TypeError) as exc:
            raise DbCorruptError(f"{where}: an advisory document does not decode ({exc})") from None
