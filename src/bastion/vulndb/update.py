"""Atomic database updates: build a new file next to the live one, validate it, rename it over.

Whatever goes wrong before the rename (a truncated zip, a checksum mismatch, a network error,
Ctrl-C, a crash) leaves the previous database untouched and usable: the work file is deleted (or,
after a hard crash, ignored and replaced by the next update). Concurrent updates are serialised
with a lock file. Readers that still have the old file open keep reading it (rename does not
disturb an open file).

An update starts from a copy of the current database, so sources that are not part of this update
keep their data, and unchanged records are not rewritten (see :mod:`bastion.vulndb.store`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from bastion.vulndb.base import DbCorruptError, DbError, IngestReport
from bastion.vulndb.ingest import stored_osv_file
from bastion.vulndb.sources import SOURCES, Fetcher, Source, SourceResult, UpdateContext
from bastion.vulndb.store import DbBuilder, SqliteStore, check_schema

__all__ = ["UpdateSummary", "import_files", "install_snapshot", "snapshot_resource", "update_db"]

IMPORT_SOURCE = "import"


@dataclass
class UpdateSummary:
    path: Path
    revision: str
    previous_revision: str | None
    results: list[SourceResult] = field(default_factory=list)
    seconds: float = 0.0


@contextlib.contextmanager
def _locked(db: Path) -> Iterator[None]:
    db.parent.mkdir(parents=True, exist_ok=True)
    lock_path = db.with_name(db.name + ".lock")
    with lock_path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _previous_revision(db: Path) -> str | None:
    if not db.is_file():
        return None
    try:
        with SqliteStore(db) as store:
            return str(store.revision())
    except DbError:
        return None


def _start_work_file(db: Path, *, fresh: bool) -> Path:
    work = db.with_name(f".{db.name}.{os.getpid()}.tmp")
    work.unlink(missing_ok=True)
    if not fresh and db.is_file():
        try:
            conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
            try:
                check_schema(conn, str(db))
                dest = sqlite3.connect(str(work))
                try:
                    conn.backup(dest)
                finally:
                    dest.close()
            finally:
                conn.close()
        except (DbCorruptError, sqlite3.Error):
            work.unlink(missing_ok=True)  # unreadable or another schema: rebuild from scratch
    return work


def _commit(work: Path, db: Path) -> None:
    fd = os.open(work, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(work, db)
    dir_fd = os.open(db.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _run(
    db: Path, body: Callable[[DbBuilder], list[SourceResult]], *, fresh: bool = False, origin: str = "update"
) -> UpdateSummary:
    started = time.monotonic()
    with _locked(db):
        previous = _previous_revision(db)
        work = _start_work_file(db, fresh=fresh)
        try:
            builder = DbBuilder(work)
            try:
                results = body(builder)
                builder._set_meta({"origin": origin})
                revision = builder.finish()
            except BaseException:
                builder.close()
                raise
            _commit(work, db)
        finally:
            work.unlink(missing_ok=True)
    return UpdateSummary(db, revision, previous, results, time.monotonic() - started)


def update_db(
    db: Path,
    *,
    sources: Sequence[str | Source] = ("osv", "debian", "alpine", "kev", "epss"),
    mirror: str | Path | None = None,
    offline: bool = False,
    force: bool = False,
    settings: dict[str, object] | None = None,
    timeout: float = 60.0,
    log: Callable[[str], None] | None = None,
) -> UpdateSummary:
    """Update ``db`` from ``sources`` (names from :data:`SOURCES` or Source objects), atomically."""
    chosen: list[Source] = []
    for s in sources:
        if isinstance(s, str):
            cls = SOURCES.get(s)
            if cls is None:
                from bastion.errors import UsageError

                raise UsageError(f"unknown database source {s!r}", hint=f"choose from: {', '.join(SOURCES)}")
            chosen.append(cls())
        else:
            chosen.append(s)
    say = log or (lambda _m: None)
    fetcher = Fetcher(mirror, offline=offline, timeout=timeout, log=say)

    def body(builder: DbBuilder) -> list[SourceResult]:
        ctx = UpdateContext(
            builder=builder, fetcher=fetcher, log=say, settings=dict(settings or {}), force=force
        )
        results: list[SourceResult] = []
        for src in chosen:
            say(f"source {src.name}: {fetcher.describe()}")
            results.extend(src.update(ctx))
        if not any(r.status in ("updated", "unchanged") for r in results) and not builder.source_names():
            raise DbError(
                f"{fetcher.describe()}: none of the sources ({', '.join(s.name for s in chosen)}) had data",
                hint="check the --from path or URL (layout: osv/<Ecosystem>/all.zip, alpine/<branch>/<repo>.yaml, …)",
            )
        return results

    try:
        return _run(db, body)
    finally:
        fetcher.close()


def import_files(
    db: Path, files: Sequence[Path], *, log: Callable[[str], None] | None = None
) -> UpdateSummary:
    """Add OSV records from JSON/zip files (source ``import``); existing imports with the same ids are replaced."""
    say = log or (lambda _m: None)

    def body(builder: DbBuilder) -> list[SourceResult]:
        report = IngestReport(IMPORT_SOURCE)

        def advisories() -> Iterator:  # type: ignore[type-arg]
            for f in files:
                say(f"importing {f}")
                yield from stored_osv_file(Path(f), IMPORT_SOURCE, report)

        builder.replace_source(IMPORT_SOURCE, advisories(), report, partial=True)
        builder.set_source(
            IMPORT_SOURCE,
            kind="import",
            records=builder.count(IMPORT_SOURCE),
            revision=None,
            location=", ".join(str(f) for f in files),
            skipped=len(report.skipped),
            data_date=builder.newest_modified(IMPORT_SOURCE),
        )
        return [SourceResult(IMPORT_SOURCE, "updated", report=report)]

    return _run(db, body)


def snapshot_resource() -> resources.abc.Traversable:
    return resources.files("bastion.vulndb") / "data" / "snapshot.db.zst"


def install_snapshot(db: Path) -> bool:
    """Put the bundled offline snapshot at ``db`` (atomically). False when this build has none."""
    import zstandard

    res = snapshot_resource()
    if not res.is_file():
        return False
    with _locked(db):
        work = db.with_name(f".{db.name}.{os.getpid()}.snapshot.tmp")
        try:
            with res.open("rb") as src, work.open("wb") as out:
                zstandard.ZstdDecompressor().copy_stream(src, out)
            conn = sqlite3.connect(f"{work.resolve().as_uri()}?mode=ro", uri=True)
            try:
                from bastion.vulndb.store import validate

                validate(conn, f"bundled snapshot ({res})")
            finally:
                conn.close()
            _commit(work, db)
        except zstandard.ZstdError as exc:
            raise DbCorruptError(f"bundled snapshot {res}: cannot decompress ({exc})") from None
        finally:
            work.unlink(missing_ok=True)
    return True


def copy_db(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)
