"""OSV ingest (malformed records skipped with reasons) and the SQLite store."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from bastion.vulndb.base import FetchError, IngestReport
from bastion.vulndb.ingest import read_osv_bytes, read_osv_file, read_osv_zip
from bastion.vulndb.store import SqliteStore, decode, encode
from tests._support.vulndb import OSV_FIXTURES, osv_bytes, osv_record, write_zip


def all_fixture_records():
    return sorted(OSV_FIXTURES.glob("*/*.json"))


@pytest.mark.parametrize("path", all_fixture_records(), ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_fixture_record_round_trips_through_the_store_encoding(path: Path):
    report = IngestReport("t")
    (adv,) = read_osv_bytes(path.read_bytes(), path.name, f"osv:{path.parent.name}", report)
    assert report.skipped == []
    assert decode(encode(adv)) == adv
    raw = json.loads(path.read_bytes())
    assert adv.id == raw["id"]
    assert set(adv.aliases) == set(raw.get("aliases") or [])
    assert len(adv.affected) == len([a for a in raw["affected"] if a.get("package")])


def _mutated(mutate) -> bytes:
    rec = osv_record("PyPI", "PYSEC-2014-1")
    mutate(rec)
    return json.dumps(rec).encode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"{not json", "invalid JSON"),
        (_mutated(lambda r: r.pop("id")), "id"),
        (
            _mutated(
                lambda r: r["affected"][0]["ranges"][0]["events"].append({"introduced": "1", "fixed": "2"})
            ),
            "2 kinds",
        ),
        (_mutated(lambda r: r["affected"][0]["ranges"][0]["events"].append({})), "0 kinds"),
        (_mutated(lambda r: r.update(affected=[])), "no affected package"),
        (_mutated(lambda r: r["affected"][0].pop("package")), "names a package"),
        (_mutated(lambda r: r["affected"][0]["ranges"][0].update(type="FANCY")), "unknown range type"),
        (
            _mutated(lambda r: r["affected"][0]["ranges"][0].update(events=[{"fixed": "1.0"}])),
            "without an introduced",
        ),
        (_mutated(lambda r: r.update(affected="nope")), "not an OSV record"),
    ],
)
def test_malformed_record_is_skipped_with_reason(data: bytes, reason: str):
    report = IngestReport("t")
    assert list(read_osv_bytes(data, "x.json", "t", report)) == []
    assert report.read == 1 and len(report.skipped) == 1
    assert reason in report.skipped[0].reason


def test_malformed_member_does_not_stop_the_zip(tmp_path: Path):
    z = write_zip(
        tmp_path / "all.zip",
        {
            "BAD.json": b"[1, 2",
            "PYSEC-2014-1.json": osv_bytes("PyPI", "PYSEC-2014-1"),
            "README.txt": b"ignored",
        },
    )
    report = IngestReport("t")
    got = list(read_osv_zip(z, "t", report))
    assert [a.id for a in got] == ["PYSEC-2014-1"]
    assert report.read == 2 and [s.where.split("!")[-1] for s in report.skipped] == ["BAD.json"]


def test_truncated_zip_raises(tmp_path: Path):
    z = write_zip(tmp_path / "all.zip", {"PYSEC-2014-1.json": osv_bytes("PyPI", "PYSEC-2014-1")})
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    with pytest.raises(FetchError, match="not a readable zip"):
        list(read_osv_zip(z, "t", IngestReport("t")))


def test_corrupt_member_raises(tmp_path: Path):
    z = tmp_path / "all.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("PYSEC-2014-1.json", osv_bytes("PyPI", "PYSEC-2014-1"))
    data = bytearray(z.read_bytes())
    pos = data.index(b'"PYSEC-2014-1"')
    data[pos + 1] ^= 0x20  # flip a byte inside the stored member: CRC mismatch
    z.write_bytes(bytes(data))
    with pytest.raises(FetchError, match="damaged archive member"):
        list(read_osv_zip(z, "t", IngestReport("t")))


def test_json_array_file(tmp_path: Path):
    f = tmp_path / "two.json"
    f.write_text(json.dumps([osv_record("npm", "GHSA-35jh-r3h4-6jhm"), osv_record("Go", "GO-2023-1621")]))
    report = IngestReport("t")
    assert [a.id for a in read_osv_file(f, "t", report)] == ["GHSA-35jh-r3h4-6jhm", "GO-2023-1621"]
    assert report.read == 2


def test_yaml_style_numbers_are_coerced():
    rec = osv_record("PyPI", "PYSEC-2024-1")
    rec["affected"][0]["versions"] = [0.5]
    (adv,) = read_osv_bytes(json.dumps(rec).encode(), "x", "t", IngestReport("t"))
    assert adv.affected[0].versions == ("0.5",)


# -- store ------------------------------------------------------------------------------------


def test_candidates_by_normalised_name(store: SqliteStore):
    ids = {a.id for a in store.candidates("PyPI", "Django")}
    assert ids == {a.id for a in store.candidates("pypi", "django")} == {"PYSEC-2014-1"}
    assert store.candidates("PyPI", "no-such-package") == ()


def test_withdrawn_is_stored_but_not_a_candidate(store: SqliteStore):
    assert store.candidates("PyPI", "loguru") == ()
    adv = store.get("PYSEC-2022-15")
    assert adv is not None and adv.withdrawn


def test_same_advisory_from_two_ecosystem_dumps(store: SqliteStore):
    sources = sorted(a.source for a in store.candidates("npm", "handlebars"))
    assert sources == ["osv:Maven", "osv:npm"]


def test_info_and_revision(store: SqliteStore):
    info = store.info()
    assert info.revision == store.revision() and len(info.revision or "") == 24
    assert info.sources["osv:PyPI"].records == len(list(OSV_FIXTURES.glob("PyPI/*.json")))
    assert info.sources["kev"].records == 2
    kev = store.kev("CVE-2021-44228")
    assert kev is not None and kev.due_date == "2021-12-24" and kev.ransomware is True
    assert store.epss("CVE-2021-44228") is None


def test_corrupt_file_is_rejected(tmp_path: Path):
    bad = tmp_path / "vuln.db"
    bad.write_bytes(b"SQLite format 3\x00" + b"\x00" * 100)
    from bastion.vulndb.base import DbCorruptError

    with pytest.raises(DbCorruptError):
        SqliteStore(bad)
