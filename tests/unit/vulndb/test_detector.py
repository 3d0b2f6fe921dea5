"""The vuln detector over a store built from the real fixtures."""

from __future__ import annotations

import pytest

from bastion.detectors.base import DetectContext
from bastion.detectors.vulns import VulnDetector, match_package, primary_id
from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Ecosystem,
    Inventory,
    Location,
    OsInfo,
    Package,
    VulnEvidence,
)
from bastion.vulndb.match import MatchStatus, affected, scheme_for_ecosystem
from bastion.vulndb.store import SqliteStore


def pkg(name: str, version: str, eco: Ecosystem, path: str = "lock", **kw) -> Package:
    return Package(name, version, eco, f"pkg:x/{name}@{version}", (Location(path),), **kw)


def ev(f) -> VulnEvidence:
    assert isinstance(f.evidence, VulnEvidence)
    return f.evidence


def test_primary_id_rule():
    assert primary_id(["GHSA-aaaa-bbbb-cccc", "PYSEC-2020-1", "CVE-2021-2", "CVE-2020-10"]) == "CVE-2020-10"
    assert primary_id(["GO-2023-1", "GHSA-zzzz-bbbb-cccc", "GHSA-aaaa-bbbb-cccc"]) == "GHSA-aaaa-bbbb-cccc"
    assert primary_id(["RUSTSEC-2017-0002", "GO-2020-1"]) == "GO-2020-1"


def test_log4j_findings_merge_kev_and_upgrade(store: SqliteStore):
    m = match_package(store, pkg("org.apache.logging.log4j:log4j-core", "2.14.1", Ecosystem.MAVEN), None)
    by_id = {f.id: f for f in m.findings}
    assert set(by_id) == {"CVE-2021-44228", "CVE-2021-45046", "CVE-2021-45105"}
    f = by_id["CVE-2021-44228"]
    assert f.aliases == ("GHSA-jfh8-c2jp-5v3q",)
    assert f.fixed_versions == ("2.15.0",) and f.known_exploited
    assert f.severity.value == "critical" and ev(f).severity_source == "rating:ghsa"
    assert ev(f).kev_due_date == "2021-12-24" and ev(f).fix_state == "fixed"
    assert f.cvss and f.cvss[0].score == 10.0
    # the upgrade clears every finding, and no smaller fixed version does
    upgrade = ev(f).upgrade_to
    assert upgrade is not None and all(ev(x).upgrade_to == upgrade for x in m.findings)
    maven = scheme_for_ecosystem("Maven")
    entries = [e for x in m.findings for i in (x.id, *x.aliases) if (a := store.get(i)) for e in a.affected]
    assert all(affected(upgrade, e, maven).status is not MatchStatus.AFFECTED for e in entries)
    smaller = sorted({v for x in m.findings for v in x.fixed_versions} - {upgrade}, key=maven.parse)
    for v in smaller:
        assert any(affected(v, e, maven).is_affected for e in entries)


def test_one_finding_per_vulnerability_even_from_two_dumps(store: SqliteStore):
    m = match_package(store, pkg("handlebars", "4.7.6", Ecosystem.NPM), None)
    assert [f.id for f in m.findings] == ["CVE-2021-23369"]
    assert ev(m.findings[0]).data_source == "osv:Maven, osv:npm"


def test_pypi_alias_merge_across_databases(store: SqliteStore):
    m = match_package(store, pkg("Requests", "2.19.0", Ecosystem.PYPI), None)
    ids = {f.id: f for f in m.findings}
    assert set(ids) == {"CVE-2018-18074", "CVE-2023-32681"}
    assert ids["CVE-2018-18074"].fixed_versions == ("2.20.0",)
    assert "PYSEC-2018-28" in ids["CVE-2018-18074"].aliases


def test_go_stdlib_toolchain_versions(store: SqliteStore):
    m = match_package(store, pkg("stdlib", "go1.20.1", Ecosystem.GO), None)
    assert [(f.id, f.fixed_versions) for f in m.findings] == [("CVE-2023-24532", ("1.20.2",))]
    assert match_package(store, pkg("stdlib", "go1.20.2", Ecosystem.GO), None).findings == []


def test_npm_names_are_case_sensitive(store: SqliteStore):
    # GHSA-8hc4-vh64-cxmj names the npm package "Axios" (as published); it does not match "axios".
    assert match_package(store, pkg("axios", "1.7.3", Ecosystem.NPM), None).findings == []
    assert [f.id for f in match_package(store, pkg("Axios", "1.7.3", Ecosystem.NPM), None).findings] == [
        "CVE-2024-39338"
    ]


def test_unpinned_and_undecidable_are_reported_not_dropped(store: SqliteStore):
    unpinned = match_package(store, pkg("django", "", Ecosystem.PYPI, metadata={"constraint": ">=1.4"}), None)
    assert (
        unpinned.findings == []
        and "unpinned" in unpinned.problems[0]
        and "PYSEC-2014-1" in unpinned.problems[0]
    )
    weird = match_package(store, pkg("steam", "1.0", Ecosystem.PYPI), None)
    assert (
        weird.findings == [] and "PYSEC-2019-125" in weird.problems[0] and "2019-09-12" in weird.problems[0]
    )
    nothing = match_package(store, pkg("left-pad", "", Ecosystem.NPM), None)
    assert (nothing.findings, nothing.problems) == ([], [])


def test_alpine_by_origin_and_release(store: SqliteStore):
    libssl = pkg("libssl1.1", "1.1.1c-r0", Ecosystem.ALPINE, "lib/apk/db/installed", source_name="openssl")
    m = match_package(store, libssl, OsInfo("alpine", "3.10.2"))
    assert {f.id for f in m.findings} == {"CVE-2019-1547", "CVE-2019-1549", "CVE-2019-1563"}
    assert all(f.fixed_versions == ("1.1.1d-r0",) for f in m.findings)
    other_release = match_package(store, libssl, OsInfo("alpine", "3.18.0"))
    assert other_release.findings == []
    no_os = match_package(store, libssl, None)
    assert no_os.findings == [] and "release is unknown" in no_os.problems[0]


def test_debian_by_source_package_and_release(store: SqliteStore):
    p = pkg(
        "libjs-prototype", "1.6.0.1-1", Ecosystem.DEBIAN, "var/lib/dpkg/status", source_name="prototypejs"
    )
    m = match_package(store, p, OsInfo("debian", "10", codename="buster"))
    (f,) = m.findings
    assert f.id == "CVE-2008-7220" and f.fixed_versions == ("1.6.0.2-1",)
    assert (
        f.severity.value == "high"
        and ev(f).severity_source == "distro:debian"
        and ev(f).distro_urgency == "high**"
    )
    by_codename = match_package(store, p, OsInfo("debian", "", codename="buster"))
    assert [x.id for x in by_codename.findings] == ["CVE-2008-7220"]


def test_fingerprint_is_stable_and_version_independent(store: SqliteStore):
    a = match_package(store, pkg("django", "1.4.10", Ecosystem.PYPI), None).findings
    b = match_package(store, pkg("django", "1.4.2", Ecosystem.PYPI), None).findings
    c = match_package(
        store, pkg("django", "1.4.10", Ecosystem.PYPI, path="other/requirements.txt"), None
    ).findings
    assert [f.fingerprint for f in a] == [f.fingerprint for f in b]
    assert a[0].fingerprint != c[0].fingerprint


@pytest.mark.parametrize("with_os", [True, False])
def test_detector_records_problems_in_context(store: SqliteStore, with_os: bool):
    ref = ArtifactRef(ArtifactKind.FS, "/x", os=OsInfo("alpine", "3.10.2") if with_os else None)
    inv = Inventory(
        packages=(
            pkg("django", "1.5.2", Ecosystem.PYPI),
            pkg("django", "", Ecosystem.PYPI),
            pkg("musl", "1.1.22-r2", Ecosystem.ALPINE, "lib/apk/db/installed", source_name="musl"),
        )
    )
    ctx = DetectContext(target=ref, inventory=inv, advisories=store)
    findings = list(VulnDetector().detect(ctx))
    assert "CVE-2014-0472" in {f.id for f in findings}
    messages = [e.message for e in ctx.errors]
    assert any("unpinned" in m for m in messages)
    assert any("release is unknown" in m for m in messages) is (not with_os)
