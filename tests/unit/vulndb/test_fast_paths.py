"""Every shortcut of the ingest and matching hot paths gives what the plain version gives.

- ingest: the fast normaliser emits the same stored bytes as the careful (schema-applying) path, and
  both accept and reject what the pydantic models of ``osv_schema.py`` accept and reject;
- matching: the bisection in ``_in_range`` equals the schema's event walk, and the listed-version
  index finds what parsing every listed version finds;
- the store's split encoding round-trips, also for advisories naming several packages;
- the detector leaves the garbage collector as it found it.

The same comparisons run over every Go and PyPI record of ../shared/vulndata in
``test_differential.py`` (slow).
"""

from __future__ import annotations

import copy
import gc
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from bastion.model import Ecosystem, Package
from bastion.versions.base import InvalidVersion, VersionScheme
from bastion.vulndb import ingest
from bastion.vulndb.base import Advisory, Affected, Event, IngestReport, Range, SeverityScore
from bastion.vulndb.match import (
    _compile,
    _Compiled,
    _in_range,
    _listed_equal,
    affected,
    scheme_for_ecosystem,
    semver_scheme_for,
)
from bastion.vulndb.osv_schema import parse_record
from bastion.vulndb.store import SqliteStore, decode_stored, prepare
from tests._support.vulndb import OSV_FIXTURES, write_zip


def fixture_docs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{p.parent.name}/{p.stem}", json.loads(p.read_bytes()))
        for p in sorted(OSV_FIXTURES.glob("*/*.json"))
    ]


# -- ingest -------------------------------------------------------------------------------------


def _stored(doc: Any) -> tuple[Any, ...] | str:
    """What the careful path makes of a document: stored form, or the skip reason."""
    try:
        rec = prepare(ingest._careful(doc, "s"))
    except ingest.InvalidRecord as exc:
        return f"rejected: {exc}"
    return (rec.id, rec.modified, rec.withdrawn, rec.doc, rec.rows)


def _fast(doc: Any) -> tuple[Any, ...] | None:
    try:
        rec = ingest._fast(doc, "s")
    except ingest._Slow:
        return None
    return (rec.id, rec.modified, rec.withdrawn, rec.doc, rec.rows)


def _pydantic_accepts(doc: Any) -> bool:
    try:
        parse_record(json.dumps(doc))
    except ValidationError:
        return False
    return True


def _mutations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Shape variations real feeds have (or that break the schema), one at a time."""

    def m(label: str, change: Callable[[dict[str, Any]], None]) -> tuple[str, dict[str, Any]]:
        d = copy.deepcopy(doc)
        change(d)
        return label, d

    first = "affected"
    yield m("numeric version", lambda d: d[first][0].__setitem__("versions", [1.5, 2]))
    yield m("null lists", lambda d: d.update(aliases=None, related=None, references=None, severity=None))
    yield m("extra fields", lambda d: d.update(x_private={"a": 1}, credits=[{"name": "n"}]))
    yield m(
        "lower-case range type",
        lambda d: [r.update(type=r["type"].lower()) for r in d[first][0].get("ranges", [])],
    )
    yield m("padded id", lambda d: d.update(id=f"  {d['id']} "))
    yield m("blank id", lambda d: d.update(id="  "))
    yield m("numeric id", lambda d: d.update(id=12))
    yield m("boolean id", lambda d: d.update(id=True))
    yield m("null modified", lambda d: d.update(modified=None))
    yield m("aliases not a list", lambda d: d.update(aliases="CVE-1"))
    yield m("alias not a string", lambda d: d.update(aliases=[{"id": 1}]))
    yield m("affected not a list", lambda d: d.update(affected={"package": {}}))
    yield m("no affected", lambda d: d.pop(first))
    yield m("entry without package", lambda d: d[first][0].pop("package"))
    yield m("package name blank", lambda d: d[first][0]["package"].update(name=" "))
    yield m("package not an object", lambda d: d[first][0].update(package="x"))
    yield m("purl number", lambda d: d[first][0]["package"].update(purl=5))
    yield m("severity item without score", lambda d: d.update(severity=[{"type": "CVSS_V3"}]))
    yield m("reference url null", lambda d: d.update(references=[{"type": "WEB", "url": None}]))
    yield m("database_specific list", lambda d: d.update(database_specific=[]))
    yield m("ecosystem_specific string", lambda d: d[first][0].update(ecosystem_specific="x"))
    yield m("range events null", lambda d: [r.update(events=None) for r in d[first][0].get("ranges", [])])
    yield m(
        "event with two kinds",
        lambda d: [
            r["events"].append({"introduced": "1", "fixed": "2"}) for r in d[first][0].get("ranges", [])
        ],
    )
    yield m("event with none", lambda d: [r["events"].append({}) for r in d[first][0].get("ranges", [])])
    yield m(
        "event value number",
        lambda d: [r["events"].append({"fixed": 3}) for r in d[first][0].get("ranges", [])],
    )
    yield m(
        "event value null + other",
        lambda d: [r["events"].append({"fixed": "9", "limit": None}) for r in d[first][0].get("ranges", [])],
    )
    yield m(
        "padded event",
        lambda d: [r["events"].append({"fixed": " 9.9 "}) for r in d[first][0].get("ranges", [])],
    )
    yield m("unknown range type", lambda d: [r.update(type="FANCY") for r in d[first][0].get("ranges", [])])
    yield m("range without type", lambda d: [r.pop("type") for r in d[first][0].get("ranges", [])])
    yield m(
        "no introduced", lambda d: [r.update(events=[{"fixed": "1"}]) for r in d[first][0].get("ranges", [])]
    )
    yield m(
        "second entry, other package",
        lambda d: d[first].append(
            {**copy.deepcopy(d[first][0]), "package": {"ecosystem": "npm", "name": "other"}}
        ),
    )
    yield m("withdrawn, nothing affected", lambda d: d.update(withdrawn="2024-01-01T00:00:00Z", affected=[]))
    yield m("top level list item", lambda d: d.update(summary=["x"]))


@pytest.mark.parametrize(("name", "doc"), fixture_docs(), ids=lambda v: v if isinstance(v, str) else "")
def test_fast_and_careful_ingest_agree_and_match_the_pydantic_schema(name: str, doc: dict[str, Any]):
    assert _fast(doc) == _stored(doc), f"{name}: the fast path differs on the record as published"
    for label, variant in _mutations(doc):
        careful = _stored(variant)
        fast = _fast(variant)
        if fast is not None:
            assert fast == careful, f"{name} ({label}): fast path differs"
        shape_ok = not (isinstance(careful, str) and careful.startswith("rejected: not an OSV record"))
        assert shape_ok == _pydantic_accepts(variant), f"{name} ({label}): {careful!r}"


def test_read_osv_bytes_gives_what_the_careful_path_gives():
    for _, doc in fixture_docs():
        report = IngestReport("t")
        (adv,) = ingest.read_osv_bytes(json.dumps(doc).encode(), "x", "s", report)
        assert adv == ingest._careful(doc, "s")


def test_zip_members_stored_and_deflated(tmp_path: Path):
    docs = {f"{name.replace('/', '_')}.json": json.dumps(doc).encode() for name, doc in fixture_docs()}
    z = tmp_path / "stored.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_STORED) as zf:
        for n, data in docs.items():
            zf.writestr(n, data)
    deflated = write_zip(tmp_path / "deflated.zip", docs)
    a = list(ingest.read_osv_zip(z, "s", IngestReport("t")))
    b = list(ingest.read_osv_zip(deflated, "s", IngestReport("t")))
    assert a == b and len(a) == len(docs)


def test_zip_member_with_a_broken_local_header_aborts(tmp_path: Path):
    z = write_zip(tmp_path / "all.zip", {"A.json": b'{"id": "A"}', "B.json": b'{"id": "B"}'})
    data = bytearray(z.read_bytes())
    data[data.index(b"PK\x03\x04", 1)] = 0  # the second member's local header signature
    z.write_bytes(bytes(data))
    with pytest.raises(ingest.FetchError, match="damaged archive member"):
        list(ingest.read_osv_zip(z, "s", IngestReport("t")))


# -- store encoding -------------------------------------------------------------------------------


def test_split_encoding_keeps_the_order_of_entries_across_packages():
    def entry(eco: str, name: str, fixed: str) -> Affected:
        return Affected(
            eco, name, name.lower(), (Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", fixed))),)
        )

    adv = Advisory(
        "GHSA-x",
        "osv:test",
        aliases=("CVE-1",),
        severity=(SeverityScore("CVSS_V3", "CVSS:3.1/AV:N", "ghsa"),),
        affected=(
            entry("PyPI", "A", "1"),
            entry("npm", "b", "2"),
            entry("PyPI", "A", "3"),
            entry("PyPI", "C", "4"),
        ),
    )
    rec = prepare(adv)
    assert [(e, k) for e, k, _ in rec.rows] == [("PyPI", "a"), ("npm", "b"), ("PyPI", "c")]
    assert decode_stored(rec.doc, reversed(rec.rows)) == adv


def test_lookup_gives_the_candidates_entries_for_the_package(store: SqliteStore):
    got = store.lookup("npm", ["handlebars", "no-such-package"])
    assert got["no-such-package"] == ()
    cands = got["handlebars"]
    assert [(c.advisory.id, c.advisory.source) for c in cands] == sorted(
        (c.advisory.id, c.advisory.source) for c in cands
    )
    full = {a.source: a for a in store.candidates("npm", "handlebars")}
    for c in cands:
        assert c.advisory.affected == ()
        assert c.entries == tuple(
            e for e in full[c.advisory.source].affected if (e.ecosystem, e.key) == ("npm", "handlebars")
        )


# -- matching -----------------------------------------------------------------------------------


def reference_walk(v: Any, compiled: _Compiled) -> tuple[bool, str | None]:
    """The OSV schema's evaluation, event by event (what ``_in_range`` did before bisection)."""
    if compiled.limits and not compiled.unbounded_limit and not any(v < lim for lim in compiled.limits):
        return False, None
    vulnerable, fix = False, None
    for code, key, raw in compiled.events:
        if code == 0:  # introduced
            if key is None or v >= key:
                vulnerable, fix = True, None
        elif code == 2:  # fixed
            if v >= key:
                vulnerable = False
            elif vulnerable and fix is None:
                fix = raw
        elif code == 1 and v > key:  # last_affected
            vulnerable = False
    return vulnerable, (fix if vulnerable else None)


def variants(version: str) -> set[str]:
    """The version and spellings around it: padded, prefixed, bumped, pre/post/local, build metadata."""
    out = {
        version,
        f"{version}.0",
        f"v{version}",
        f"{version}.1",
        f"{version}+local.1",
        f"{version}-1",
        f"{version}a1",
    }
    out |= {f"{version}.post0", f"0{version}", version.upper(), f"{version}.0.0", f"{version}-0"}
    return {v for v in out if v.strip()}


def check_ranges(entry: Affected, scheme: VersionScheme | None, versions: set[str]) -> int:
    checked = 0
    for rng in entry.ranges:
        if rng.type == "GIT":
            continue
        rs = scheme if rng.type == "ECOSYSTEM" else semver_scheme_for(scheme)
        if rs is None:
            continue
        compiled = _compile(rng, rs)
        if isinstance(compiled, str):
            continue
        for text in versions:
            try:
                v = rs.parse(text)
            except InvalidVersion:
                continue
            hit, fix, _ = _in_range(v, compiled)
            assert (hit, fix) == reference_walk(v, compiled), (rng, text)
            checked += 1
    return checked


def brute_listed(v: Any, entry: Affected, scheme: VersionScheme) -> str | None:
    for listed in entry.versions:
        try:
            if scheme.parse(listed) == v:
                return listed
        except InvalidVersion:
            continue
    return None


def check_listed(entry: Affected, scheme: VersionScheme | None, versions: set[str]) -> int:
    if scheme is None or not entry.versions:
        return 0
    checked = 0
    for text in versions:
        try:
            v = scheme.parse(text)
        except InvalidVersion:
            continue
        assert _listed_equal(text, v, entry, scheme) == brute_listed(v, entry, scheme), (entry.name, text)
        checked += 1
    return checked


def fixture_entries() -> Iterator[Affected]:
    for _, doc in fixture_docs():
        yield from ingest._careful(doc, "s").affected


def test_bisection_equals_the_event_walk_on_every_fixture_range():
    checked = 0
    for entry in fixture_entries():
        scheme = scheme_for_ecosystem(entry.ecosystem)
        pool = {ev.value for r in entry.ranges for ev in r.events} | set(entry.versions)
        checked += check_ranges(entry, scheme, {x for v in pool for x in variants(v)})
    assert checked > 2000


def test_listed_version_index_equals_parsing_every_listed_version():
    checked = 0
    for entry in fixture_entries():
        scheme = scheme_for_ecosystem(entry.ecosystem)
        pool = set(entry.versions) | {ev.value for r in entry.ranges for ev in r.events}
        checked += check_listed(entry, scheme, {x for v in pool for x in variants(v)})
    assert checked > 2000


@pytest.mark.parametrize(
    ("eco", "listed", "installed"),
    [
        ("PyPI", "1.0", "1.0.0"),
        ("PyPI", "0", "0.0"),  # no non-zero number at all
        ("PyPI", "1.0.post1", "1.0-1"),
        ("PyPI", "2.0rc1", "2.0.0-RC1"),
        ("PyPI", "1!2.0", "1!2.0.0"),
        ("PyPI", "1.0+ubuntu.1", "1.0.0+ubuntu.1"),
        ("npm", "1.2.3", "v1.2.3"),
        ("npm", "1.2.3", "=1.2.3+build.7"),
        ("crates.io", "1.2.3", "1.2.3+build.2024"),
        ("Go", "1.2.3", "v1.2.3+incompatible"),
        ("Go", "1.21.0-rc.2", "go1.21rc2"),
        ("Go", "1.20.0", "go1.20"),
        ("NuGet", "1.0.0", "1.0.0.0"),
        ("NuGet", "1.2.0-beta", "1.2-BETA+meta"),
        ("Maven", "1.0", "1.0.0"),
        ("Maven", "2.0-final", "2"),
        ("RubyGems", "1.0", "1.0.0"),
        ("Debian:12", "1.0-0", "0:1.0"),
        ("Alpine:v3.19", "1.2.3-r0", "1.2.3-r0"),
        ("Red Hat:enterprise_linux:9", "1.0", "1.00"),
        ("Red Hat:enterprise_linux:9", "1.2", "1+2"),  # rpm: '+' is a separator like '.'
        ("Packagist", "2.1.9999999.9999999-dev", "2.1.x-dev"),  # Composer makes numbers of x
    ],
)
def test_listed_versions_match_by_equality_in_the_scheme(eco: str, listed: str, installed: str):
    entry = Affected(eco, "pkg", "pkg", versions=("0.1", listed, "99.0"))
    first = Affected(eco, "pkg", "pkg", versions=(listed, "0.1", "99.0"))
    assert affected(installed, first, scheme_for_ecosystem(eco)).is_affected
    result = affected(installed, entry, scheme_for_ecosystem(eco))
    assert result.is_affected, result
    assert not affected("99.1", entry, scheme_for_ecosystem(eco)).is_affected


def test_match_packages_leaves_the_collector_as_it_found_it(store: SqliteStore):
    from bastion.detectors.vulns import match_packages

    pkgs = [Package("django", "1.4.10", Ecosystem.PYPI, "pkg:pypi/django@1.4.10")]
    was = gc.isenabled()
    try:
        gc.enable()
        assert match_packages(store, pkgs, None)[0][1].findings
        assert gc.isenabled()
        gc.disable()
        match_packages(store, pkgs, None)
        assert not gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()
