"""Scan results for report tests, built from model objects (every finding kind), gated by a real policy.

Deterministic: fixed times, versions and host, so reporters' output can be compared with golden files.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Cvss,
    Ecosystem,
    Finding,
    FindingKind,
    ImageConfig,
    LayerInfo,
    Location,
    MalwareEvidence,
    MisconfigEvidence,
    OsInfo,
    Package,
    Provenance,
    ScanError,
    ScanResult,
    SecretEvidence,
    Severity,
    Suppression,
    VulnEvidence,
    fingerprint,
    package_id,
)
from bastion.policy.gate import apply_policy
from bastion.policy.model import LicensePolicy, Policy, VexProduct, VexStatement, Waiver

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
PROVENANCE = Provenance(
    started=datetime(2026, 3, 1, 11, 59, 30, tzinfo=UTC),
    finished=datetime(2026, 3, 1, 11, 59, 42, tzinfo=UTC),
    scanners=("vuln", "secret", "malware", "misconfig", "license"),
    host="ci-runner",
)
LAYER = "sha256:" + "a" * 64


def pkg(
    name: str,
    version: str,
    eco: Ecosystem,
    purl: str,
    path: str,
    *,
    licenses: tuple[str, ...] = (),
    layer: str | None = None,
    direct: bool | None = None,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=eco,
        purl=purl,
        locations=(Location(path=path, layer=layer),),
        found_by="test",
        id=package_id(eco.value, name, version, path),
        licenses=licenses,
        direct=direct,
    )


def vuln(
    p: Package,
    vid: str,
    sev: Severity,
    *,
    aliases: tuple[str, ...] = (),
    fixed: tuple[str, ...] = (),
    kev: bool = False,
    epss: float | None = None,
    score: float | None = None,
    title: str = "",
) -> Finding:
    cvss = ()
    if score is not None:
        cvss = (
            Cvss(
                version="3.1",
                vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                score=score,
                source="nvd",
                severity=Severity.from_score(score),
            ),
        )
    return Finding(
        kind=FindingKind.VULNERABILITY,
        id=vid,
        aliases=aliases,
        title=title or f"{vid} in {p.name}",
        description=f"A {sev.value} problem in {p.name} <script>alert(1)</script> | pipes | `ticks`.",
        severity=sev,
        fingerprint=fingerprint(FindingKind.VULNERABILITY, vid, p.ecosystem.value, p.name, p.path),
        package=p.purl,
        package_id=p.id,
        installed_version=p.version,
        fixed_versions=fixed,
        known_exploited=kev,
        cvss=cvss,
        references=(f"https://osv.dev/vulnerability/{vid}",),
        found_by="vuln/osv",
        evidence=VulnEvidence(data_source="osv", fix_state="fixed" if fixed else "not_fixed", epss=epss),
    )


def image_result(*, gated: bool = True) -> ScanResult:
    target = ArtifactRef(
        kind=ArtifactKind.IMAGE,
        ref="registry.example.com/shop/web:1.4",
        name="registry.example.com/shop/web",
        digest="sha256:" + "d" * 64,
        platform="linux/amd64",
        os=OsInfo(family="debian", version="12", name="Debian GNU/Linux 12 (bookworm)", codename="bookworm"),
        layers=(
            LayerInfo(
                index=0,
                digest="sha256:" + "b" * 64,
                diff_id=LAYER,
                size=31_000_000,
                created_by="ADD rootfs.tar /",
            ),
        ),
        image=ImageConfig(user="", cmd=("python", "app.py"), exposed_ports=("8080/tcp",)),
    )
    openssl = pkg(
        "openssl",
        "3.0.11-1~deb12u1",
        Ecosystem.DEBIAN,
        "pkg:deb/debian/openssl@3.0.11-1~deb12u1?arch=amd64&distro=debian-12",
        "var/lib/dpkg/status",
        layer=LAYER,
    )
    zlib = pkg(
        "zlib1g",
        "1:1.2.13.dfsg-1",
        Ecosystem.DEBIAN,
        "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12",
        "var/lib/dpkg/status",
        layer=LAYER,
    )
    requests = pkg(
        "requests",
        "2.25.0",
        Ecosystem.PYPI,
        "pkg:pypi/requests@2.25.0",
        "app/requirements.txt",
        layer=LAYER,
        direct=True,
    )
    gpl = pkg(
        "gplthing",
        "1.0",
        Ecosystem.PYPI,
        "pkg:pypi/gplthing@1.0",
        "usr/lib/python3/dist-packages/gplthing-1.0.dist-info/METADATA",
        licenses=("GPL-3.0-only",),
        layer=LAYER,
    )
    findings = [
        vuln(
            openssl,
            "CVE-2024-0001",
            Severity.CRITICAL,
            fixed=("3.0.13-1~deb12u1",),
            kev=True,
            epss=0.91,
            score=9.8,
            title="Buffer overflow in X.509 parsing",
        ),
        vuln(openssl, "CVE-2024-0002", Severity.HIGH, epss=0.02, title="Timing side channel"),
        vuln(zlib, "CVE-2023-0003", Severity.MEDIUM, fixed=("1:1.3-1",)),
        vuln(
            requests,
            "GHSA-aaaa-bbbb-cccc",
            Severity.HIGH,
            aliases=("CVE-2024-0004",),
            fixed=("2.32.0",),
            score=7.5,
            title="Proxy-Authorization header leak",
        ),
        vuln(requests, "CVE-2024-0005", Severity.LOW),
        Finding(
            kind=FindingKind.SECRET,
            id="aws-access-key-id",
            title="AWS access key ID",
            severity=Severity.CRITICAL,
            fingerprint=fingerprint(FindingKind.SECRET, "aws-access-key-id", "app/settings.py", "0" * 64),
            location=Location(path="app/settings.py", layer=LAYER, line=12, end_line=12),
            found_by="secret/builtin",
            evidence=SecretEvidence(match="AKIA…(20)", secret_hash="0" * 64),
        ),
        Finding(
            kind=FindingKind.MALWARE,
            id="EICAR-Test-File",
            title="EICAR anti-malware test file",
            severity=Severity.CRITICAL,
            fingerprint=fingerprint(
                FindingKind.MALWARE,
                "EICAR-Test-File",
                "tmp/eicar.com",
                "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
            ),
            location=Location(path="tmp/eicar.com", layer=LAYER),
            found_by="malware/yara",
            evidence=MalwareEvidence(
                sha256="275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f",
                rule="EICAR-Test-File",
                source="yara:builtin",
            ),
        ),
        Finding(
            kind=FindingKind.MISCONFIG,
            id="IMG-001",
            title="Image runs as root",
            severity=Severity.HIGH,
            fingerprint=fingerprint(FindingKind.MISCONFIG, "IMG-001", "", "config.user"),
            location=Location(path="", resource="config.user"),
            found_by="misconfig/image",
            evidence=MisconfigEvidence(file_type="image-config", provider="docker", remediation="Set USER"),
        ),
        Finding(
            kind=FindingKind.MISCONFIG,
            id="DS-015",
            title="apt-get without --no-install-recommends",
            severity=Severity.LOW,
            fingerprint=fingerprint(FindingKind.MISCONFIG, "DS-015", "Dockerfile", None),
            location=Location(path="Dockerfile", line=4, end_line=4),
            found_by="misconfig/dockerfile",
            suppressed=Suppression(by="inline", reason="intentional", ref="Dockerfile:3"),
        ),
    ]
    result = ScanResult(
        target=target,
        bastion_version="0.0.0-test",
        packages=(openssl, zlib, requests, gpl),
        findings=tuple(findings),
        errors=(ScanError(path="usr/lib/broken.jar", message="not a zip archive", plugin="java/archive"),),
        provenance=PROVENANCE,
    )
    if not gated:
        return result
    policy = Policy(
        license=LicensePolicy(deny=frozenset({"GPL-3.0-only"})),
        waivers=(
            Waiver(
                id="CVE-2024-0004",
                package="pkg:pypi/requests",
                reason="No proxies are configured in production.",
                owner="alice@example.com",
                expires=date(2026, 12, 31),
                source="bastion.yaml:8",
            ),
            Waiver(
                id="CVE-2019-9999",
                reason="Was waived, and is no longer present.",
                owner="bob@example.com",
                expires=date(2026, 12, 31),
                source="bastion.yaml:13",
            ),
            Waiver(
                id="CVE-2024-0002",
                reason="Expired exception.",
                owner="carol@example.com",
                expires=date(2026, 1, 31),
                source="bastion.yaml:17",
            ),
        ),
        vex=(
            VexStatement(
                vulnerability="CVE-2023-0003",
                status="not_affected",
                products=(VexProduct("pkg:deb/debian/zlib1g"),),
                justification="vulnerable_code_not_in_execute_path",
                source="vex.json#0",
            ),
            VexStatement(
                vulnerability="CVE-2024-0005",
                status="under_investigation",
                products=(VexProduct("pkg:oci/web", ("pkg:pypi/requests",)),),
                source="vex.json#1",
            ),
        ),
    )
    return apply_policy(result, policy, now=NOW)


def fs_result() -> ScanResult:
    target = ArtifactRef(kind=ArtifactKind.FS, ref="/src/shop", name="shop")
    flask = pkg("flask", "2.0.0", Ecosystem.PYPI, "pkg:pypi/flask@2.0.0", "requirements.txt", direct=True)
    lodash = pkg(
        "lodash",
        "4.17.15",
        Ecosystem.NPM,
        "pkg:npm/lodash@4.17.15",
        "web/package-lock.json",
        licenses=("MIT",),
        direct=False,
    )
    findings = (
        vuln(
            lodash,
            "GHSA-p6mc-m468-83gw",
            Severity.HIGH,
            aliases=("CVE-2020-8203",),
            fixed=("4.17.19",),
            score=7.4,
            title="Prototype pollution in lodash",
        ),
        vuln(
            flask,
            "CVE-2023-30861",
            Severity.HIGH,
            fixed=("2.2.5", "2.3.2"),
            title="Session cookie disclosure",
        ),
        Finding(
            kind=FindingKind.SECRET,
            id="github-pat",
            title="GitHub personal access token",
            severity=Severity.HIGH,
            fingerprint=fingerprint(FindingKind.SECRET, "github-pat", "tests/fixtures/token.txt", "1" * 64),
            location=Location(path="tests/fixtures/token.txt", line=1),
            found_by="secret/builtin",
            evidence=SecretEvidence(match="ghp_…(40)", secret_hash="1" * 64),
        ),
        Finding(
            kind=FindingKind.MISCONFIG,
            id="TF-S3-001",
            title="S3 bucket is public",
            severity=Severity.CRITICAL,
            fingerprint=fingerprint(
                FindingKind.MISCONFIG, "TF-S3-001", "infra/main.tf", "aws_s3_bucket.logs"
            ),
            location=Location(path="infra/main.tf", line=10, end_line=18, resource="aws_s3_bucket.logs"),
            found_by="misconfig/terraform",
            evidence=MisconfigEvidence(
                file_type="terraform", provider="aws", remediation="Block public access"
            ),
        ),
    )
    result = ScanResult(
        target=target,
        bastion_version="0.0.0-test",
        packages=(flask, lodash),
        findings=findings,
        provenance=PROVENANCE,
    )
    policy = Policy(
        waivers=(
            Waiver(
                kind=FindingKind.SECRET,
                path="tests/fixtures/**",
                reason="Test fixtures hold fake tokens.",
                owner="dev@example.com",
                expires=date(2026, 6, 30),
                source="bastion.yaml:3",
            ),
        )
    )
    return apply_policy(result, policy, now=NOW)


def empty_result() -> ScanResult:
    target = ArtifactRef(kind=ArtifactKind.FS, ref="/src/clean", name="clean")
    return apply_policy(
        ScanResult(target=target, bastion_version="0.0.0-test", provenance=PROVENANCE), Policy(), now=NOW
    )


CASES = {"image": image_result, "fs": fs_result, "empty": empty_result}
