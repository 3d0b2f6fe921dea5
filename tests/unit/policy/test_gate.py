"""The gate: fail conditions per kind, waivers, VEX, licenses, outcome."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

import pytest

from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Ecosystem,
    Finding,
    FindingKind,
    Location,
    Package,
    ScanError,
    ScanResult,
    Severity,
    Suppression,
    VulnEvidence,
)
from bastion.policy.gate import apply_policy, evaluate_license, glob_match
from bastion.policy.model import (
    LicensePolicy,
    MisconfigPolicy,
    Policy,
    SeverityRule,
    VexProduct,
    VexStatement,
    VulnerabilityPolicy,
    Waiver,
)

NOW = datetime(2026, 3, 1, tzinfo=UTC)
IMAGE = ArtifactRef(
    kind=ArtifactKind.IMAGE,
    ref="registry.example.com/team/api:2.1",
    name="registry.example.com/team/api",
    digest="sha256:" + "e" * 64,
)
FS = ArtifactRef(kind=ArtifactKind.FS, ref="/src/app", name="app")


def vuln(
    vid: str = "CVE-2024-1",
    sev: Severity = Severity.HIGH,
    *,
    purl: str = "pkg:pypi/requests@2.0.0",
    aliases: tuple[str, ...] = (),
    fixed: tuple[str, ...] = (),
    kev: bool = False,
    epss: float | None = None,
    path: str = "requirements.txt",
) -> Finding:
    return Finding(
        kind=FindingKind.VULNERABILITY,
        id=vid,
        title=vid,
        severity=sev,
        fingerprint=f"vuln:{vid}:{purl}",
        aliases=aliases,
        package=purl,
        installed_version=purl.rpartition("@")[2],
        fixed_versions=fixed,
        known_exploited=kev,
        location=Location(path=path),
        evidence=VulnEvidence(epss=epss),
    )


def other(
    kind: FindingKind, rid: str, sev: Severity = Severity.LOW, *, path: str = "x", resource: str | None = None
) -> Finding:
    return Finding(
        kind=kind,
        id=rid,
        title=rid,
        severity=sev,
        fingerprint=f"{kind.value}:{rid}:{path}",
        location=Location(path=path, resource=resource),
    )


def gate(
    findings: list[Finding],
    policy: Policy | None = None,
    *,
    target: ArtifactRef = FS,
    packages: tuple[Package, ...] = (),
    errors: tuple[ScanError, ...] = (),
) -> ScanResult:
    result = ScanResult(
        target=target, bastion_version="t", findings=tuple(findings), packages=packages, errors=errors
    )
    return apply_policy(result, policy or Policy(), now=NOW)


def waiver(**kw: object) -> Waiver:
    base: dict[str, object] = {"reason": "accepted risk", "owner": "alice", "expires": date(2026, 12, 31)}
    base.update(kw)
    return Waiver(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("sev", "fails"),
    [
        (Severity.CRITICAL, True),
        (Severity.HIGH, True),
        (Severity.MEDIUM, False),
        (Severity.LOW, False),
        (Severity.UNKNOWN, False),
    ],
)
def test_default_policy_vulnerabilities_high_and_above(sev: Severity, fails: bool) -> None:
    v = gate([vuln(sev=sev)]).verdict
    assert v is not None
    assert v.passed is not fails
    assert v.failed_rules == (("vulnerability-severity",) if fails else ())


@pytest.mark.parametrize("kind", [FindingKind.SECRET, FindingKind.MALWARE])
def test_secrets_and_malware_always_fail(kind: FindingKind) -> None:
    v = gate([other(kind, "r", Severity.LOW)]).verdict
    assert v is not None and not v.passed and v.failed_rules == (kind.value,)
    assert v.violations[0].fingerprint == f"{kind.value}:r:x"


def test_explicit_severity_list() -> None:
    policy = Policy(
        vulnerability=VulnerabilityPolicy(
            severity=SeverityRule(severities=frozenset({Severity.CRITICAL, Severity.LOW}))
        )
    )
    r = gate([vuln("A", Severity.HIGH), vuln("B", Severity.LOW), vuln("C", Severity.CRITICAL)], policy)
    assert r.verdict is not None
    assert sorted(x.fingerprint.split(":")[1] for x in r.verdict.violations) == ["B", "C"]


def test_ignore_unfixed_kev_only_and_epss_are_and_filters() -> None:
    findings = [
        vuln("fixed", fixed=("2.1",)),
        vuln("unfixed"),
        vuln("kev", fixed=("2.1",), kev=True, epss=0.5),
        vuln("kev-low-epss", fixed=("2.1",), kev=True, epss=0.01),
        vuln("kev-no-epss", fixed=("2.1",), kev=True),
    ]

    def failing(policy: VulnerabilityPolicy) -> list[str]:
        v = gate(findings, Policy(vulnerability=policy)).verdict
        assert v is not None
        return sorted(x.fingerprint.split(":")[1] for x in v.violations)

    assert failing(VulnerabilityPolicy(ignore_unfixed=True)) == [
        "fixed",
        "kev",
        "kev-low-epss",
        "kev-no-epss",
    ]
    assert failing(VulnerabilityPolicy(known_exploited_only=True)) == ["kev", "kev-low-epss", "kev-no-epss"]
    # without an EPSS score a finding still counts (fail closed)
    assert failing(VulnerabilityPolicy(known_exploited_only=True, epss_threshold=0.1)) == [
        "kev",
        "kev-no-epss",
    ]


def test_misconfig_by_rule_and_severity() -> None:
    policy = Policy(
        misconfig=MisconfigPolicy(fail_rules=frozenset({"DS-001"}), ignore_rules=frozenset({"K8S-9"}))
    )
    r = gate(
        [
            other(FindingKind.MISCONFIG, "DS-001", Severity.LOW),
            other(FindingKind.MISCONFIG, "K8S-9", Severity.CRITICAL),
            other(FindingKind.MISCONFIG, "TF-1", Severity.HIGH),
        ],
        policy,
    )
    assert r.verdict is not None
    assert {(x.rule, x.fingerprint) for x in r.verdict.violations} == {
        ("misconfig-rule", "misconfig:DS-001:x"),
        ("misconfig-severity", "misconfig:TF-1:x"),
    }


def test_waiver_by_alias_with_versionless_purl_scope() -> None:
    w = waiver(id="cve-2024-0004", package="pkg:pypi/requests")
    r = gate(
        [vuln("GHSA-xxxx", aliases=("CVE-2024-0004",)), vuln("GHSA-xxxx", purl="pkg:pypi/urllib3@1.0")],
        Policy(waivers=(w,)),
    )
    assert r.verdict is not None
    assert [f.suppressed.by if f.suppressed else None for f in r.findings] == ["waiver", None]
    assert r.findings[0].suppressed == Suppression(
        by="waiver", reason="accepted risk", ref=w.label, expires="2026-12-31", owner="alice"
    )
    assert r.verdict.applied_waivers[0].matched == ("vuln:GHSA-xxxx:pkg:pypi/requests@2.0.0",)
    assert len(r.verdict.violations) == 1


@pytest.mark.parametrize(
    ("w", "matches"),
    [
        (dict(id="CVE-2024-1", package="pkg:pypi/requests@2.0.0"), True),
        (dict(id="CVE-2024-1", package="pkg:pypi/requests@9.9"), False),
        (dict(id="CVE-2024-1", package="req*"), True),
        (dict(id="CVE-2024-1", package="pkg:npm/requests"), False),
        (dict(fingerprint="vuln:CVE-2024-1:pkg:pypi/requests@2.0.0"), True),
        (dict(id="CVE-2024-1", path="services/**"), False),
        (dict(id="CVE-2024-1", path="*.txt"), True),
        (dict(id="CVE-2024-1", image="registry.example.com/team/*"), True),
        (dict(id="CVE-2024-1", image="other/*"), False),
        (dict(kind=FindingKind.VULNERABILITY), True),
        (dict(kind=FindingKind.SECRET), False),
    ],
)
def test_waiver_scopes(w: dict[str, object], matches: bool) -> None:
    r = gate([vuln()], Policy(waivers=(waiver(**w),)), target=IMAGE)
    assert (r.findings[0].suppressed is not None) is matches


def test_waiver_by_rule_and_resource() -> None:
    f = other(
        FindingKind.MISCONFIG,
        "TF-S3-1",
        Severity.CRITICAL,
        path="infra/main.tf",
        resource="aws_s3_bucket.logs",
    )
    r = gate([f], Policy(waivers=(waiver(id="TF-S3-1", resource="aws_s3_bucket.*"),)))
    assert r.verdict is not None and r.verdict.passed and r.findings[0].suppressed is not None


def test_expired_waiver_stops_suppressing_and_is_reported() -> None:
    w = waiver(id="CVE-2024-1", expires=date(2026, 2, 28))
    r = gate([vuln()], Policy(waivers=(w,)))
    v = r.verdict
    assert v is not None and not v.passed
    assert r.findings[0].suppressed is None
    assert v.expired_waivers[0].matched == (r.findings[0].fingerprint,)
    assert "expired 2026-02-28" in v.violations[0].message
    # valid through its expiry day
    assert gate([vuln()], Policy(waivers=(waiver(id="CVE-2024-1", expires=date(2026, 3, 1)),))).verdict.passed  # type: ignore[union-attr]


def test_unused_waiver_makes_a_warning_not_a_failure() -> None:
    v = gate([], Policy(waivers=(waiver(id="CVE-1999-1"),))).verdict
    assert v is not None and v.passed and v.outcome == "warn"
    assert [w.id for w in v.unused_waivers] == ["CVE-1999-1"]


def test_scan_errors_make_a_warning() -> None:
    v = gate([], errors=(ScanError(path="a.jar", message="bad zip"),)).verdict
    assert v is not None and v.passed and v.outcome == "warn"
    assert gate([]).verdict == gate([]).verdict and gate([]).verdict.outcome == "pass"  # type: ignore[union-attr]


def test_already_suppressed_findings_do_not_count_and_stay() -> None:
    f = dataclasses.replace(
        other(FindingKind.SECRET, "k"), suppressed=Suppression(by="inline", reason="test key")
    )
    r = gate([f])
    assert r.verdict is not None and r.verdict.passed and r.findings == (f,)


def test_vex_not_affected_suppresses_and_under_investigation_annotates() -> None:
    statements = (
        VexStatement(
            vulnerability="CVE-2024-1",
            status="not_affected",
            products=(VexProduct("pkg:pypi/requests"),),
            justification="vulnerable_code_not_in_execute_path",
            source="v.json#0",
        ),
        VexStatement(
            vulnerability="CVE-2024-2",
            status="under_investigation",
            products=(VexProduct("pkg:oci/api", ("pkg:pypi/requests",)),),
            source="v.json#1",
        ),
        VexStatement(
            vulnerability="CVE-2024-3",
            status="fixed",
            products=(VexProduct(IMAGE.digest or ""),),
            source="v.json#2",
        ),
    )
    r = gate(
        [vuln("CVE-2024-1"), vuln("CVE-2024-2"), vuln("CVE-2024-3"), vuln("CVE-2024-4")],
        Policy(vex=statements),
        target=IMAGE,
    )
    by_id = {f.id: f for f in r.findings}
    assert by_id["CVE-2024-1"].suppressed is not None and by_id["CVE-2024-1"].suppressed.by == "vex"
    assert by_id["CVE-2024-1"].suppressed.justification == "vulnerable_code_not_in_execute_path"
    assert by_id["CVE-2024-2"].suppressed is None and by_id["CVE-2024-2"].vex is not None
    assert by_id["CVE-2024-2"].vex.status == "under_investigation"
    assert by_id["CVE-2024-3"].suppressed is not None  # the statement names the image itself
    assert by_id["CVE-2024-4"].suppressed is None and by_id["CVE-2024-4"].vex is None
    assert r.verdict is not None
    assert sorted(v.fingerprint.split(":")[1] for v in r.verdict.violations) == ["CVE-2024-2", "CVE-2024-4"]


def test_latest_vex_statement_wins() -> None:
    older = VexStatement(
        vulnerability="CVE-2024-1",
        status="not_affected",
        products=(VexProduct("pkg:pypi/requests"),),
        impact_statement="x",
        timestamp="2025-01-01T00:00:00Z",
    )
    newer = VexStatement(
        vulnerability="CVE-2024-1",
        status="affected",
        products=(VexProduct("pkg:pypi/requests"),),
        action_statement="upgrade",
        timestamp="2025-06-01T00:00:00Z",
    )
    r = gate([vuln()], Policy(vex=(newer, older)))
    assert (
        r.findings[0].suppressed is None
        and r.findings[0].vex is not None
        and r.findings[0].vex.status == "affected"
    )


@pytest.mark.parametrize(
    ("expr", "deny", "allow", "expected"),
    [
        ("MIT", {"GPL-3.0-only"}, set(), "ok"),
        ("GPL-3.0-only", {"gpl-3.0-only"}, set(), "denied"),
        ("MIT OR GPL-3.0-only", {"GPL-3.0-only"}, set(), "ok"),
        ("MIT AND GPL-3.0-only", {"GPL-3.0-only"}, set(), "denied"),
        ("(MIT OR Apache-2.0) AND BSD-3-Clause", set(), {"MIT", "BSD-3-Clause"}, "ok"),
        ("Apache-2.0", set(), {"MIT"}, "not-allowed"),
        (
            "GPL-2.0-only WITH Classpath-exception-2.0",
            set(),
            {"GPL-2.0-only WITH Classpath-exception-2.0"},
            "ok",
        ),
        ("GPL-2.0-only WITH Classpath-exception-2.0", {"GPL-2.0-only"}, set(), "denied"),
        ("not ( an expression", {"not ( an expression"}, set(), "denied"),
    ],
)
def test_license_expressions(expr: str, deny: set[str], allow: set[str], expected: str) -> None:
    assert evaluate_license(expr, LicensePolicy(deny=frozenset(deny), allow=frozenset(allow))) == expected


def test_license_policy_creates_findings_from_packages() -> None:
    gpl = Package(
        name="gplthing",
        version="1.0",
        ecosystem=Ecosystem.PYPI,
        purl="pkg:pypi/gplthing@1.0",
        locations=(Location("site-packages/gplthing-1.0.dist-info/METADATA"),),
        licenses=("GPL-3.0-only",),
    )
    mit = dataclasses.replace(gpl, name="mitthing", purl="pkg:pypi/mitthing@1.0", licenses=("MIT",))
    r = gate([], Policy(license=LicensePolicy(deny=frozenset({"GPL-3.0-only"}))), packages=(gpl, mit))
    assert [f.id for f in r.findings] == ["GPL-3.0-only"]
    assert r.findings[0].kind is FindingKind.LICENSE and r.findings[0].package == "pkg:pypi/gplthing@1.0"
    assert r.verdict is not None and r.verdict.failed_rules == ("license-denied",)
    # idempotent: gating the gated result adds nothing
    again = apply_policy(r, Policy(license=LicensePolicy(deny=frozenset({"GPL-3.0-only"}))), now=NOW)
    assert len(again.findings) == 1
    # and a waiver by license id works
    waived = gate(
        [],
        Policy(license=LicensePolicy(deny=frozenset({"GPL-3.0-only"})), waivers=(waiver(id="GPL-3.0-only"),)),
        packages=(gpl,),
    )
    assert waived.verdict is not None and waived.verdict.passed


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tests/**", "tests/a/b.py", True),
        ("tests/**", "src/tests/a.py", False),
        ("**/fixtures/*", "a/b/fixtures/x.txt", True),
        ("*.tf", "infra/main.tf", True),
        ("infra/*.tf", "infra/sub/main.tf", False),
        ("app/settings.py", "/app/settings.py", True),
    ],
)
def test_glob(pattern: str, path: str, expected: bool) -> None:
    assert glob_match(pattern, path) is expected
