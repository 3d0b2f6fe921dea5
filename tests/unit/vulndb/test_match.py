"""The OSV evaluation algorithm on real records, one test per range form."""

from __future__ import annotations

import pytest

from bastion.vulndb.base import Advisory, Affected, Event, IngestReport, Range
from bastion.vulndb.ingest import read_osv_bytes
from bastion.vulndb.match import (
    MatchStatus,
    affected,
    canonical_ecosystem,
    normalize_name,
    scheme_for_ecosystem,
)
from tests._support.vulndb import osv_bytes


def load(ecosystem: str, advisory_id: str) -> Advisory:
    report = IngestReport("test")
    out = list(read_osv_bytes(osv_bytes(ecosystem, advisory_id), advisory_id, f"osv:{ecosystem}", report))
    assert report.skipped == [] and len(out) == 1
    return out[0]


def evaluate(adv: Advisory, version: str, name: str | None = None):
    """Combined result over every entry of the advisory for the package (as the detector does)."""
    results = [
        affected(version, e, scheme_for_ecosystem(e.ecosystem))
        for e in adv.affected
        if name is None or e.name == name
    ]
    hits = [r for r in results if r.is_affected]
    if hits:
        return hits[0].status, tuple(f for r in hits for f in r.fixed)
    if any(r.status is MatchStatus.UNDECIDABLE for r in results):
        return MatchStatus.UNDECIDABLE, ()
    return MatchStatus.NOT_AFFECTED, ()


A, N, U = MatchStatus.AFFECTED, MatchStatus.NOT_AFFECTED, MatchStatus.UNDECIDABLE


@pytest.mark.parametrize(
    ("eco", "adv_id", "name", "version", "status", "fixed"),
    [
        # ECOSYSTEM, three introduced/fixed pairs in one range (django, PEP 440)
        ("PyPI", "PYSEC-2014-1", None, "1.4.10", A, ("1.4.11",)),
        ("PyPI", "PYSEC-2014-1", None, "1.4.11", N, ()),
        ("PyPI", "PYSEC-2014-1", None, "1.5", A, ("1.5.6",)),
        ("PyPI", "PYSEC-2014-1", None, "1.5.6", N, ()),
        ("PyPI", "PYSEC-2014-1", None, "1.6.2", A, ("1.6.3",)),
        ("PyPI", "PYSEC-2014-1", None, "1.6.3", N, ()),
        ("PyPI", "PYSEC-2014-1", None, "1.7", N, ()),
        ("PyPI", "PYSEC-2014-1", None, "1.5.0", A, ("1.5.6",)),  # PEP 440: 1.5.0 == 1.5
        # SEMVER with two pairs, Go toolchain versions in both spellings
        ("Go", "GO-2023-1621", None, "1.19.6", A, ("1.19.7",)),
        ("Go", "GO-2023-1621", None, "go1.19.7", N, ()),
        ("Go", "GO-2023-1621", None, "go1.20.1", A, ("1.20.2",)),
        ("Go", "GO-2023-1621", None, "v1.20.2", N, ()),
        ("Go", "GO-2023-1621", None, "1.20rc1", A, ("1.20.2",)),  # 1.20.0-rc.1 >= 1.20.0-0
        # SEMVER, introduced "0" with no fix: every version
        ("Go", "GO-2023-2385", "github.com/pubnub/go/v5", "v5.0.3", A, ()),
        ("Go", "GO-2023-2385", "github.com/pubnub/go/v5", "v5.0.4-0.20231016150651-428517fef5b9", A, ()),
        # crates.io SEMVER with a pre-release introduced
        ("crates.io", "RUSTSEC-2017-0002", None, "0.9.17", A, ("0.9.18",)),
        ("crates.io", "RUSTSEC-2017-0002", None, "0.9.18", N, ()),
        ("crates.io", "RUSTSEC-2017-0002", None, "0.10.1", A, ("0.10.2",)),
        ("crates.io", "RUSTSEC-2017-0002", None, "0.10.2", N, ()),
        # last_affected is inclusive
        ("npm", "GHSA-78xj-cgh5-2h22", None, "1.1.8", A, ()),
        ("npm", "GHSA-78xj-cgh5-2h22", None, "1.1.9", N, ()),
        ("npm", "GHSA-78xj-cgh5-2h22", None, "2.0.1", N, ()),
        # several affected entries for one package (Maven ComparableVersion)
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.14.1", A, ("2.15.0",)),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.15.0", N, ()),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.3", A, ("2.3.1",)),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.3.1", N, ()),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.12.1", A, ("2.12.2",)),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.12.2", N, ()),
        ("Maven", "GHSA-jfh8-c2jp-5v3q", None, "2.13.0", A, ("2.15.0",)),
        # GIT + ECOSYSTEM + versions: the ECOSYSTEM range gives the fix
        ("PyPI", "PYSEC-2018-28", None, "2.19.0", A, ("2.20.0",)),
        ("PyPI", "PYSEC-2018-28", None, "2.20.0", N, ()),
        # versions list only
        ("PyPI", "PYSEC-2024-1", None, "0.5", A, ()),
        ("PyPI", "PYSEC-2024-1", None, "0.5.0", A, ()),
        ("PyPI", "PYSEC-2024-1", None, "0.6", N, ()),
        # NuGet, Packagist (Composer), RubyGems
        ("NuGet", "GHSA-5crp-9r3c-p9vr", None, "12.0.3", A, ("13.0.1",)),
        ("NuGet", "GHSA-5crp-9r3c-p9vr", None, "13.0.1", N, ()),
        ("Packagist", "GHSA-f2wf-25xc-69c9", "guzzlehttp/guzzle", "7.4.3", A, ("7.4.4",)),
        ("Packagist", "GHSA-f2wf-25xc-69c9", "guzzlehttp/guzzle", "7.4.4", N, ()),
        ("Packagist", "GHSA-f2wf-25xc-69c9", "guzzlehttp/guzzle", "6.5.6", A, ("6.5.7",)),
        ("Packagist", "GHSA-f2wf-25xc-69c9", "guzzlehttp/guzzle", "v6.5.7", N, ()),
        ("RubyGems", "GHSA-hxqx-xwvh-44m2", None, "2.2.3", A, ("2.2.3.1",)),
        ("RubyGems", "GHSA-hxqx-xwvh-44m2", None, "2.2.3.1", N, ()),
        # an unparseable event version (as published) cannot be decided
        ("PyPI", "PYSEC-2019-125", None, "1.0", U, ()),
        ("PyPI", "PYSEC-2021-371", None, "0.1.0", U, ()),
    ],
)
def test_real_records(eco, adv_id, name, version, status, fixed):
    adv = load(eco, adv_id)
    assert evaluate(adv, version, name) == (status, fixed)


def test_every_fixture_record_has_a_range_form_covered():
    forms = set()
    for eco, adv_id in [
        ("PyPI", "PYSEC-2014-1"),
        ("Go", "GO-2023-1621"),
        ("npm", "GHSA-78xj-cgh5-2h22"),
        ("PyPI", "PYSEC-2018-28"),
    ]:
        for e in load(eco, adv_id).affected:
            for r in e.ranges:
                forms.add(r.type)
                forms.update(ev.kind for ev in r.events)
    assert {"ECOSYSTEM", "SEMVER", "GIT", "introduced", "fixed", "last_affected"} <= forms


def _entry(ranges, versions=(), eco="PyPI", name="pkg"):
    return Affected(eco, name, name, tuple(ranges), tuple(versions))


def _range(rtype, *events):
    return Range(rtype, tuple(Event(k, v) for k, v in events))


def test_limit_bounds_the_range_above():
    # No published record in the data uses `limit` on a version range; the OSV spec's semantics:
    entry = _entry([_range("SEMVER", ("introduced", "0"), ("limit", "1.5.0"))], eco="crates.io")
    scheme = scheme_for_ecosystem("crates.io")
    assert affected("1.4.9", entry, scheme).status is A
    assert affected("1.5.0", entry, scheme).status is N
    star = _entry([_range("SEMVER", ("introduced", "1.0.0"), ("limit", "*"))], eco="crates.io")
    assert affected("9.0.0", star, scheme).status is A
    assert affected("0.9.0", star, scheme).status is N


def test_empty_range_at_one_version_affects_nothing():
    entry = _entry([_range("ECOSYSTEM", ("introduced", "1.0"), ("fixed", "1.0"))])
    assert affected("1.0", entry, scheme_for_ecosystem("PyPI")).status is N


def test_git_only_entry_is_not_evaluated_but_versions_are():
    adv = load("PyPI", "PYSEC-2018-28")
    (entry,) = adv.affected
    git_only = Affected(
        entry.ecosystem, entry.name, entry.key, tuple(r for r in entry.ranges if r.type == "GIT")
    )
    r = affected("2.19.0", git_only, scheme_for_ecosystem("PyPI"))
    assert r.status is N and "GIT" in r.reason
    with_versions = Affected(entry.ecosystem, entry.name, entry.key, git_only.ranges, entry.versions)
    assert affected("2.19.0", with_versions, scheme_for_ecosystem("PyPI")).status is A


def test_unparseable_installed_version_is_undecidable_with_reason():
    adv = load("PyPI", "PYSEC-2014-1")
    r = affected("1.4-weird-build", adv.affected[0], scheme_for_ecosystem("PyPI"))
    assert r.status is U and "1.4-weird-build" in r.reason and "pep440" in r.reason


def test_unpinned_is_undecidable():
    adv = load("PyPI", "PYSEC-2014-1")
    assert affected("", adv.affected[0], scheme_for_ecosystem("PyPI")).status is U


def test_listed_version_still_matches_when_ranges_cannot_be_read():
    entry = _entry([_range("ECOSYSTEM", ("introduced", "0"), ("fixed", "2019-09-12"))], versions=["1.0"])
    assert affected("1.0", entry, scheme_for_ecosystem("PyPI")).status is A
    assert affected("1.1", entry, scheme_for_ecosystem("PyPI")).status is U


def test_ecosystem_without_scheme_is_undecidable():
    entry = _entry([_range("ECOSYSTEM", ("introduced", "0"), ("fixed", "2.0"))], eco="SwiftURL", name="x")
    r = affected("1.0", entry, scheme_for_ecosystem("SwiftURL"))
    assert r.status is U and "SwiftURL" in r.reason


@pytest.mark.parametrize(
    ("eco", "name", "key"),
    [
        ("PyPI", "Django", "django"),
        ("PyPI", "zope.interface", "zope-interface"),
        ("PyPI", "Foo__Bar", "foo-bar"),
        ("Maven", "org.apache.logging.log4j/log4j-core", "org.apache.logging.log4j:log4j-core"),
        ("Maven", "org.apache.logging.log4j:log4j-core", "org.apache.logging.log4j:log4j-core"),
        ("npm", "%40babel%2Fcore", "@babel/core"),
        ("npm", "Axios", "Axios"),
        ("Go", "golang.org/x/net/", "golang.org/x/net"),
        ("Go", "std", "stdlib"),
        ("Go", "toolchain", "toolchain"),
        ("crates.io", "Serde_JSON", "serde-json"),
        ("NuGet", "Newtonsoft.Json", "newtonsoft.json"),
        ("Packagist", "GuzzleHttp/Guzzle", "guzzlehttp/guzzle"),
        ("RubyGems", "Rack", "Rack"),
        ("Debian:12", "openssl", "openssl"),
    ],
)
def test_normalize_name(eco, name, key):
    assert normalize_name(eco, name) == key


def test_canonical_ecosystem():
    assert canonical_ecosystem("pypi") == "PyPI"
    assert canonical_ecosystem("debian:12") == "Debian:12"
    assert canonical_ecosystem("GitHub Actions") == "GitHub Actions"
