"""The advisory store: one SQLite file, schema-versioned, indexed by (ecosystem, normalised name).

Layout (``SCHEMA_VERSION`` 1)::

    meta(key, value)                       schema_version, revision, built, bastion_version
    sources(name, kind, updated, data_date, records, revision, location, skipped, detail)
    fetch_state(source, location, sha256, etag, last_modified)
    advisories(rowid, source, id, modified, withdrawn, digest, doc)      UNIQUE(source, id)
    affected(advisory → advisories.rowid, ecosystem, name)              INDEX (ecosystem, name)
    kev(cve, date_added, due_date, ransomware, name)
    epss(cve, score, percentile)

``doc`` is the normalised advisory as compact JSON (see :func:`encode` / :func:`decode`); ``digest``
is its sha256, which makes re-imports incremental: an unchanged record is not rewritten, and the
records of a source that disappeared upstream are removed. ``affected.ecosystem`` is the canonical
OSV ecosystem string with its release (``Debian:12``), ``affected.name`` the normalised name.

:class:`SqliteStore` is the read-only :class:`~bastion.vulndb.base.AdvisoryStore`; :class:`DbBuilder`
writes a *new* file that :mod:`bastion.vulndb.update` validates and renames into place.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion import __version__
from bastion.model import DbInfo, DbRevision, DbSourceInfo
from bastion.vulndb.base import (
    Advisory,
    Affected,
    DbCorruptError,
    Event,
    IngestReport,
    KevEntry,
    Range,
    SeverityScore,
)
from bastion.vulndb.match import canonical_ecosystem, normalize_name

__all__ = ["SCHEMA_VERSION", "DbBuilder", "SourceRow", "SqliteStore", "decode", "encode"]

SCHEMA_VERSION = 1

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
    withdrawn INTEGER NOT NULL, digest TEXT NOT NULL, doc BLOB NOT NULL, UNIQUE (source, id)
);
CREATE INDEX advisories_id ON advisories (id);
CREATE TABLE affected (advisory INTEGER NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL);
CREATE INDEX affected_key ON affected (ecosystem, name);
CREATE INDEX affected_advisory ON affected (advisory);
CREATE TABLE kev (cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware INTEGER, name TEXT);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL);
"""


# -- document encoding ---------------------------------------------------------------------------


def _enc_scores(scores: Sequence[SeverityScore]) -> list[list[str]]:
    return [[s.type, s.score, s.source] for s in scores]


def encode(adv: Advisory) -> bytes:
    """The compact JSON document of an advisory (short keys, empty fields omitted)."""
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
    aff = []
    for a in adv.affected:
        item: dict[str, Any] = {"e": a.ecosystem, "n": a.name}
        if a.key != a.name:
            item["k"] = a.key
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
        aff.append(item)
    doc["A"] = aff
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def _dec_scores(items: list[list[str]] | None) -> tuple[SeverityScore, ...]:
    return tuple(SeverityScore(t, s, src) for t, s, src in items or ())


def decode(data: bytes | str) -> Advisory:
    doc = json.loads(data)
    affected = []
    for item in doc.get("A", ()):
        ranges = tuple(
            Range(rtype, tuple(Event(k, v) for k, v in events), repo)
            for rtype, repo, events in item.get("r", ())
        )
        affected.append(
            Affected(
                ecosystem=item["e"],
                name=item["n"],
                key=item.get("k", item["n"]),
                ranges=ranges,
                versions=tuple(item.get("V", ())),
                severity=_dec_scores(item.get("v")),
                purl=item.get("p"),
                fix_state=item.get("f"),
                urgency=item.get("g"),
            )
        )
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
        affected=tuple(affected),
        cwes=tuple(doc.get("c", ())),
    )


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


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise DbCorruptError(f"{path}: no vulnerability database here", hint="run `bastion db update`")
    try:
        # The file is only ever replaced by rename, never modified in place, so it can be opened
        # immutable: no locking, no journal look-ups.
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        conn.row_factory = sqlite3.Row
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


class SqliteStore:
    """Read-only access to one database file (a fixed revision)."""

    def __init__(self, path: Path | str, *, cache_size: int = 50_000) -> None:
        self.path = Path(path)
        self._conn = _connect_ro(self.path)
        self._meta = check_schema(self._conn, str(self.path))
        self._keys: set[tuple[str, str]] | None = None
        self._docs: dict[int, Advisory] = {}
        self._cands: dict[tuple[str, str], tuple[Advisory, ...]] = {}
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

    def has_key(self, ecosystem: str, key: str) -> bool:
        if self._keys is None:
            self._keys = {
                (e, n) for e, n in self._conn.execute("SELECT DISTINCT ecosystem, name FROM affected")
            }
        return (ecosystem, key) in self._keys

    def candidates(self, ecosystem: str, name: str) -> tuple[Advisory, ...]:
        eco = canonical_ecosystem(ecosystem)
        key = normalize_name(eco, name)
        ck = (eco, key)
        hit = self._cands.get(ck)
        if hit is not None:
            return hit
        if not self.has_key(eco, key):
            return ()
        rows = self._conn.execute(
            "SELECT DISTINCT a.rowid, a.doc FROM affected f JOIN advisories a ON a.rowid = f.advisory "
            "WHERE f.ecosystem = ? AND f.name = ? AND a.withdrawn = 0 ORDER BY a.id, a.source",
            ck,
        ).fetchall()
        out = tuple(self._advisory(rowid, doc) for rowid, doc in rows)
        if len(self._cands) >= self._cache_size:
            self._cands.clear()
        self._cands[ck] = out
        return out

    def _advisory(self, rowid: int, doc: bytes) -> Advisory:
        adv = self._docs.get(rowid)
        if adv is None:
            adv = decode(doc)
            if len(self._docs) >= self._cache_size:
                self._docs.clear()
            self._docs[rowid] = adv
        return adv

    def get(self, advisory_id: str) -> Advisory | None:
        """The advisory with this id (the most recently modified when several sources carry it)."""
        row = self._conn.execute(
            "SELECT rowid, doc FROM advisories WHERE id = ? ORDER BY withdrawn, modified DESC LIMIT 1",
            (advisory_id,),
        ).fetchone()
        return None if row is None else self._advisory(row[0], row[1])

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
                r["cve"]: KevEntry(
                    r["cve"],
                    r["date_added"] or "",
                    r["due_date"],
                    None if r["ransomware"] is None else bool(r["ransomware"]),
                    r["name"] or "",
                )
                for r in self._conn.execute("SELECT * FROM kev")
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
        return [SourceRow(r) for r in self._conn.execute("SELECT * FROM sources ORDER BY name")]

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
        for rowid, doc in self._conn.execute(sql + " ORDER BY rowid", args):
            yield decode(doc) if rowid not in self._docs else self._docs[rowid]


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
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=OFF")
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("PRAGMA cache_size=-65536")
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
        self, source: str, advisories: Iterable[Advisory], report: IngestReport, *, partial: bool = False
    ) -> None:
        """Make ``source`` hold exactly ``advisories`` (or, with ``partial``, add/replace just these).

        Unchanged records (same digest) are left alone; records no longer present are removed unless
        ``partial``. Two records of one source with the same id: the later ``modified`` wins.
        """
        conn = self._conn
        conn.execute("BEGIN")
        try:
            existing = {
                r[0]: (r[1], r[2])
                for r in conn.execute("SELECT id, rowid, digest FROM advisories WHERE source = ?", (source,))
            }
            seen: dict[str, str] = {}  # id -> modified of the version kept in this run
            for adv in advisories:
                if adv.id in seen:
                    if adv.modified <= seen[adv.id]:
                        report.skip(
                            f"{source}:{adv.id}", "duplicate id in the same source; kept the newer record"
                        )
                        continue
                    report.skip(
                        f"{source}:{adv.id}", "duplicate id in the same source; replaced by a newer record"
                    )
                seen[adv.id] = adv.modified
                doc = encode(adv)
                digest = hashlib.sha256(doc).hexdigest()
                if adv.withdrawn:
                    report.withdrawn += 1
                old = existing.get(adv.id)
                if old is not None and old[1] == digest:
                    report.unchanged += 1
                    continue
                if old is not None:
                    conn.execute("DELETE FROM affected WHERE advisory = ?", (old[0],))
                    conn.execute(
                        "UPDATE advisories SET modified = ?, withdrawn = ?, digest = ?, doc = ? WHERE rowid = ?",
                        (adv.modified, 1 if adv.withdrawn else 0, digest, doc, old[0]),
                    )
                    rowid = old[0]
                    existing[adv.id] = (rowid, digest)
                else:
                    cur = conn.execute(
                        "INSERT INTO advisories (source, id, modified, withdrawn, digest, doc) VALUES (?, ?, ?, ?, ?, ?)",
                        (source, adv.id, adv.modified, 1 if adv.withdrawn else 0, digest, doc),
                    )
                    rowid = int(cur.lastrowid or 0)
                    existing[adv.id] = (rowid, digest)
                conn.executemany(
                    "INSERT INTO affected (advisory, ecosystem, name) VALUES (?, ?, ?)",
                    {(rowid, a.ecosystem, a.key) for a in adv.affected},
                )
                report.imported += 1
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
    # every stored document must decode
    for (doc,) in conn.execute("SELECT doc FROM advisories ORDER BY rowid LIMIT 50"):
        try:
            decode(doc)
        except (ValueError, KeyError, TypeError) as exc:
            raise DbCorruptError(f"{where}: an advisory document does not decode ({exc})") from None
