"""Differential test over every Go and PyPI record of ../shared/vulndata (skipped when it is absent).

For every affected package of every record:

- each version listed in its ``versions`` is reported affected, end to end (store lookup by name,
  matching, alias merging: the record's id is among the finding's ids);
- each ``fixed`` event version is *not* affected, unless the record covers it again: by its own
  ``versions`` list when it has one (the tie-breaker), otherwise by another introduced..fixed
  interval of the same package, computed here pairwise (not with the matcher's event walk).

Versions that the ecosystem's scheme cannot parse are never silently decided: they must come back
``undecidable`` with a reason, and they are counted.
"""

from __future__ import annotations

import json
import zipfile
from collections import Counter
from typing import Any

import pytest

from bastion.detectors.vulns import match_package
from bastion.model import Ecosystem, Package
from bastion.versions.base import InvalidVersion, VersionScheme
from bastion.vulndb.base import IngestReport
from bastion.vulndb.ingest import read_osv_bytes
from bastion.vulndb.match import MatchStatus, affected, scheme_for_ecosystem, semver_scheme_for
from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import update_db
from tests._support.paths import SHARED

OSV = SHARED / "vulndata" / "osv"
pytestmark = pytest.mark.slow


def _records(eco: str) -> list[dict[str, Any]]:
    path = OSV / eco / "all.zip"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    with zipfile.ZipFile(path) as zf:
        return [json.loads(zf.read(n)) for n in zf.namelist() if n.endswith(".json")]


@pytest.fixture(scope="module")
def shared_store(tmp_path_factory: pytest.TempPathFactory):
    if not (OSV / "Go" / "all.zip").is_file():
        pytest.skip("../shared/vulndata not present")
    db = tmp_path_factory.mktemp("shared") / "vuln.db"
    update_db(db, mirror=SHARED / "vulndata", sources=["osv"])
    with SqliteStore(db) as s:
        yield s


def _intervals(
    ranges: list[dict[str, Any]], scheme: VersionScheme, semver: VersionScheme
) -> list[tuple[Any, Any, bool]]:
    """(low or None, high or None, high inclusive) per introduced..(fixed|last_affected) pair."""
    out = []
    for r in ranges:
        if r["type"] == "GIT":
            continue
        s = semver if r["type"] == "SEMVER" else scheme
        evs = []
        for e in r["events"]:
            ((kind, value),) = e.items()
            key = None if (kind == "introduced" and value == "0") else s.parse(value)
            evs.append((kind, key))
        evs.sort(key=lambda kv: (kv[1] is not None, kv[1]) if kv[1] is not None else (False, 0))
        low: Any = ...
        for kind, key in evs:
            if kind == "introduced":
                if low is ...:
                    low = key
            elif kind in ("fixed", "last_affected") and low is not ...:
                out.append((low, key, kind == "last_affected"))
                low = ...
        if low is not ...:
            out.append((low, None, False))
    return out


def _covered(v: Any, intervals: list[tuple[Any, Any, bool]]) -> bool:
    for low, high, inclusive in intervals:
        if (low is None or v >= low) and (high is None or (v <= high if inclusive else v < high)):
            return True
    return False


@pytest.mark.parametrize("eco", ["Go", "PyPI"])
def test_fixed_versions_are_not_affected_unless_covered_again(eco: str):
    stats: Counter[str] = Counter()
    failures: list[str] = []
    for raw in _records(eco):
        if raw.get("withdrawn"):
            continue
        report = IngestReport("d")
        advs = list(read_osv_bytes(json.dumps(raw).encode(), raw["id"], f"osv:{eco}", report))
        if not advs:
            stats["skipped record"] += 1
            continue
        (adv,) = advs
        by_pkg: dict[str, list] = {}
        for entry in adv.affected:
            by_pkg.setdefault(entry.key, []).append(entry)
        for key, entries in by_pkg.items():
            scheme = scheme_for_ecosystem(entries[0].ecosystem)
            assert scheme is not None
            semver = semver_scheme_for(scheme)
            listed = {v for e in entries for v in e.versions}
            raw_ranges = [
                r
                for a in raw["affected"]
                if a.get("package", {}).get("name") and a["package"]["name"].strip() == entries[0].name
                for r in a.get("ranges", [])
            ]
            fixed = {
                ev.value
                for e in entries
                for rng in e.ranges
                if rng.type != "GIT"
                for ev in rng.events
                if ev.kind == "fixed"
            }
            try:
                intervals = _intervals(raw_ranges, scheme, semver)
            except InvalidVersion:
                intervals = None
            for f in sorted(fixed):
                results = [affected(f, e, scheme) for e in entries]
                got = any(r.is_affected for r in results)
                if not got and any(r.status is MatchStatus.UNDECIDABLE for r in results):
                    assert all(r.reason for r in results if r.status is MatchStatus.UNDECIDABLE)
                    stats["fixed undecidable"] += 1
                    continue
                if listed:
                    expected = f in listed
                    stats["tie-broken by versions" if expected else "fixed not affected"] += 1
                elif intervals is not None:
                    try:
                        expected = _covered(
                            (semver if raw_ranges[0]["type"] == "SEMVER" else scheme).parse(f), intervals
                        )
                    except InvalidVersion:
                        stats["fixed undecidable"] += 1
                        continue
                    stats["covered by another range" if expected else "fixed not affected"] += 1
                else:
                    stats["no independent reading"] += 1
                    continue
                if got != expected:
                    failures.append(f"{adv.id} {key} {f}: matcher {got}, record says {expected}")
    assert failures == [], failures[:20]
    assert stats["fixed not affected"] > 1000, stats
    print(eco, dict(stats))


@pytest.mark.parametrize("eco", ["PyPI"])
def test_listed_versions_are_reported(shared_store: SqliteStore, eco: str):
    """Every listed version: the record comes back from the store for the package's name and its entry
    matches. For the first, middle and last listed version of each package, the whole detector path
    too (the record's id is among the ids of one finding)."""
    stats: Counter[str] = Counter()
    failures: list[str] = []
    for raw in _records(eco):
        if raw.get("withdrawn"):
            continue
        for a in raw["affected"]:
            pkg = a.get("package") or {}
            versions = a.get("versions", [])
            if not versions:
                continue
            cands = [c for c in shared_store.candidates(eco, pkg["name"]) if c.id == raw["id"]]
            if not cands:
                failures.append(f"{raw['id']} {pkg['name']}: not a candidate")
                continue
            entries = [e for c in cands for e in c.affected if e.name == pkg["name"].strip()]
            scheme = scheme_for_ecosystem(eco)
            for v in versions:
                if any(affected(v, e, scheme).is_affected for e in entries):
                    stats["affected"] += 1
                else:
                    failures.append(f"{raw['id']} {pkg['name']} {v}: not affected")
            for v in {versions[0], versions[len(versions) // 2], versions[-1]}:
                p = Package(pkg["name"], v, Ecosystem.PYPI, f"pkg:pypi/{pkg['name']}@{v}")
                m = match_package(shared_store, p, None)
                if any(raw["id"] in (f.id, *f.aliases) for f in m.findings):
                    stats["detector"] += 1
                else:
                    failures.append(f"{raw['id']} {pkg['name']} {v}: no finding ({m.problems})")
    assert failures == [], failures[:20]
    assert stats["affected"] > 100_000 and stats["detector"] > 5_000, stats
    print(dict(stats))


@pytest.mark.parametrize("eco", ["Go", "PyPI"])
def test_fast_paths_equal_the_plain_ones_on_every_record(eco: str):
    """The ingest fast path gives the careful path's bytes for every record, the bisection in
    ``_in_range`` gives the event walk's answer, and the listed-version index finds what parsing
    every listed version finds, for every event and listed version and spellings around them."""
    from bastion.vulndb import ingest
    from bastion.vulndb.store import prepare
    from tests.unit.vulndb.test_fast_paths import check_listed, check_ranges, variants

    ranges = listed = 0
    for raw in _records(eco):
        try:
            careful = prepare(ingest._careful(raw, f"osv:{eco}"))
        except ingest.InvalidRecord:
            continue
        fast = ingest._fast(raw, f"osv:{eco}")
        assert (fast.doc, fast.rows) == (careful.doc, careful.rows), raw["id"]
        for entry in ingest._careful(raw, f"osv:{eco}").affected:
            scheme = scheme_for_ecosystem(entry.ecosystem)
            events = {ev.value for r in entry.ranges for ev in r.events}
            ranges += check_ranges(entry, scheme, {x for v in events for x in variants(v)})
            sample = set(entry.versions[:: max(1, len(entry.versions) // 20)]) | events
            listed += check_listed(entry, scheme, {x for v in sample for x in variants(v)})
    assert ranges > 20_000 and (listed > 5_000 or eco == "Go"), (ranges, listed)  # Go lists no versions
    print(eco, {"range checks": ranges, "listed checks": listed})
