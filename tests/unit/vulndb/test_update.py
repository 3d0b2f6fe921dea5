"""Atomic updates: whatever fails, the previous database stays intact and usable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

import pytest

from bastion.vulndb.base import ChecksumError, DbError, FetchError
from bastion.vulndb.sources.base import SourceResult, UpdateContext
from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import import_files, install_snapshot, update_db
from tests._support.vulndb import osv_record, write_sums, write_zip


def snapshot_of(db: Path) -> tuple[str, dict[str, int], bytes]:
    with SqliteStore(db) as s:
        return str(s.revision()), {k: v.records or 0 for k, v in s.info().sources.items()}, db.read_bytes()


def no_leftovers(db: Path) -> None:
    assert [p.name for p in db.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_update_then_unchanged(tmp_path: Path, mirror: Path):
    db = tmp_path / "db" / "vuln.db"
    first = update_db(db, mirror=mirror)
    assert first.previous_revision is None
    assert {r.name: r.status for r in first.results}["osv:PyPI"] == "updated"
    second = update_db(db, mirror=mirror)
    assert second.revision == first.revision
    assert {r.status for r in second.results if r.name.startswith("osv:")} == {"unchanged"}
    no_leftovers(db)


def test_incremental_changed_and_removed_records(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    zip_path = mirror / "osv" / "PyPI" / "all.zip"
    rec = osv_record("PyPI", "PYSEC-2014-1")
    rec["summary"] = "changed upstream"
    write_zip(
        zip_path,
        {
            "PYSEC-2014-1.json": json.dumps(rec).encode(),
            "PYSEC-2018-28.json": json.dumps(osv_record("PyPI", "PYSEC-2018-28")).encode(),
        },
    )
    write_sums(mirror)
    summary = update_db(db, mirror=mirror, sources=["osv"])
    rep = next(r.report for r in summary.results if r.name == "osv:PyPI")
    assert rep is not None and (rep.imported, rep.unchanged) == (1, 1) and rep.removed >= 3
    with SqliteStore(db) as s:
        assert s.get("PYSEC-2014-1").summary == "changed upstream"  # type: ignore[union-attr]
        assert s.get("PYSEC-2024-1") is None
        assert s.info().sources["kev"].records == 2  # other sources kept


def test_truncated_zip_keeps_previous_db(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    before = snapshot_of(db)
    z = mirror / "osv" / "Go" / "all.zip"
    z.write_bytes(z.read_bytes()[:200])
    write_sums(mirror)  # checksums agree with the truncated file: the zip itself must be caught
    with pytest.raises(FetchError, match="not a readable zip"):
        update_db(db, mirror=mirror)
    assert snapshot_of(db) == before
    no_leftovers(db)


def test_checksum_mismatch_keeps_previous_db(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    before = snapshot_of(db)
    rec = osv_record("npm", "GHSA-35jh-r3h4-6jhm")
    rec["summary"] = "tampered"
    write_zip(mirror / "osv" / "npm" / "all.zip", {"GHSA-35jh-r3h4-6jhm.json": json.dumps(rec).encode()})
    with pytest.raises(ChecksumError, match="SHA256SUMS"):
        update_db(db, mirror=mirror)
    assert snapshot_of(db) == before
    no_leftovers(db)


class _Interrupting:
    """A source that imports part of its data and then gets Ctrl-C."""

    name: ClassVar[str] = "interrupting"
    kind: ClassVar[str] = "test"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        from bastion.vulndb.base import IngestReport
        from bastion.vulndb.ingest import read_osv_bytes

        report = IngestReport("osv:npm")

        def advisories():
            yield from read_osv_bytes(
                json.dumps(osv_record("npm", "GHSA-35jh-r3h4-6jhm")).encode(), "x", "osv:npm", report
            )
            raise KeyboardInterrupt

        ctx.builder.replace_source("osv:npm", advisories(), report)
        return []


def test_interrupted_build_keeps_previous_db(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    before = snapshot_of(db)
    with pytest.raises(KeyboardInterrupt):
        update_db(db, mirror=mirror, sources=["osv", _Interrupting()])
    assert snapshot_of(db) == before
    no_leftovers(db)


def test_reader_keeps_working_across_an_update(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    with SqliteStore(db) as reader:
        old = reader.revision()
        update_db(db, mirror=mirror, force=True, sources=["kev"])
        assert reader.revision() == old
        assert reader.candidates("PyPI", "django")


def test_empty_mirror_is_an_error_and_creates_nothing(tmp_path: Path):
    (tmp_path / "empty").mkdir()
    db = tmp_path / "vuln.db"
    with pytest.raises(DbError, match="none of the sources"):
        update_db(db, mirror=tmp_path / "empty")
    assert not db.exists()


def test_missing_mirror_dir(tmp_path: Path):
    with pytest.raises(FetchError, match="does not exist"):
        update_db(tmp_path / "vuln.db", mirror=tmp_path / "nope")


def test_offline_refuses_network(tmp_path: Path):
    with pytest.raises(FetchError, match="offline"):
        update_db(tmp_path / "vuln.db", offline=True, sources=["kev"])


def test_import_files(tmp_path: Path, mirror: Path):
    db = tmp_path / "vuln.db"
    update_db(db, mirror=mirror)
    rec = osv_record("npm", "GHSA-78xj-cgh5-2h22")
    rec["id"] = "LOCAL-2024-1"
    f = tmp_path / "local.json"
    f.write_text(json.dumps(rec))
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    summary = import_files(db, [f, bad])
    rep = summary.results[0].report
    assert rep is not None and rep.imported == 1 and len(rep.skipped) == 1
    with SqliteStore(db) as s:
        assert {a.id for a in s.candidates("npm", "ip")} == {"GHSA-78xj-cgh5-2h22", "LOCAL-2024-1"}
    update_db(db, mirror=mirror, force=True)  # imports survive updates
    with SqliteStore(db) as s:
        assert s.get("LOCAL-2024-1") is not None


def test_bundled_snapshot_installs_and_has_real_data(tmp_path: Path):
    db = tmp_path / "snap" / "vuln.db"
    assert install_snapshot(db)
    with SqliteStore(db) as s:
        info = s.info()
        assert info.sources["osv:PyPI"].records and info.sources["osv:Go"].records
        assert s.meta()["origin"] == "bundled snapshot"
        assert {a.id for a in s.candidates("Maven", "org.apache.logging.log4j:log4j-core")} >= {
            "GHSA-jfh8-c2jp-5v3q"
        }
    assert oct(os.stat(db).st_mode & 0o777)
