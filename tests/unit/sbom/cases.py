"""Inventories for the SBOM encoder tests, built from model objects (the extractors are tested elsewhere).

Each case exercises something the encoders must get right: OS packages with source packages and
epochs, a jar with its SHA-1, Go's stdlib, direct/transitive and dev dependencies, SPDX ids vs license
names vs expressions, an unpinned requirement, vulnerabilities with CVSS and suppressions.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bastion.inventory.runner import finalize
from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Cvss,
    Ecosystem,
    Finding,
    FindingKind,
    LayerInfo,
    Location,
    OsInfo,
    Package,
    Provenance,
    ScanResult,
    Severity,
    Suppression,
    VulnEvidence,
    fingerprint,
)
from bastion.sbom.base import Sbom, Tool

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
TOOL = Tool(name="bastion", version="0.0.0-test", vendor="bastion")
BASE = "sha256:" + "1" * 64
APP = "sha256:" + "2" * 64


def _deb(
    name: str,
    version: str,
    purl_version: str,
    source: str,
    source_version: str,
    *licenses: str,
    deps: tuple[str, ...] = (),
) -> Package:
    epoch, _, bare = purl_version.rpartition(":")
    quals = "arch=amd64&distro=debian-12" + (f"&epoch={epoch}" if epoch else "")
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.DEBIAN,
        purl=f"pkg:deb/debian/{name}@{bare.replace('+', '%2B')}?{quals}",
        locations=(Location("var/lib/dpkg/status", BASE),),
        found_by="os/dpkg-status",
        source_name=source,
        source_version=source_version,
        licenses=licenses,
        dependencies=deps,
    )


def image_packages() -> tuple[Package, ...]:
    return finalize(
        [
            _deb(
                "libc6",
                "2.36-9+deb12u4",
                "2.36-9+deb12u4",
                "glibc",
                "2.36-9+deb12u4",
                "LGPL-2.1-or-later",
                "GPL",
            ),
            _deb(
                "bash", "5.2.15-2+b2", "5.2.15-2+b2", "bash", "5.2.15-2", "GPL-3.0-or-later", deps=("libc6",)
            ),
            _deb(
                "libattr1", "1:2.5.1-4", "1:2.5.1-4", "attr", "1:2.5.1-4", "GPL-2.0-or-later", "LGPL-2.1-only"
            ),
            Package(
                name="org.apache.commons:commons-text",
                version="1.9",
                ecosystem=Ecosystem.MAVEN,
                purl="pkg:maven/org.apache.commons/commons-text@1.9",
                locations=(Location("app/lib/commons-text-1.9.jar", APP),),
                found_by="java/archive",
                licenses=("Apache-2.0",),
                metadata={"sha1": "ba6ac8c2807490944a0a27f6f8e68fb5ed2e80e2", "source": "pom.properties"},
            ),
            Package(
                name="stdlib",
                version="1.21.3",
                ecosystem=Ecosystem.GO,
                purl="pkg:golang/stdlib@1.21.3",
                locations=(Location("app/bin/server", APP),),
                found_by="go/binary",
                licenses=("BSD-3-Clause",),
            ),
        ]
    )


def project_packages() -> tuple[Package, ...]:
    req = Location("requirements.txt")
    lock = Location("web/package-lock.json")
    return finalize(
        [
            Package(
                "requests",
                "2.31.0",
                Ecosystem.PYPI,
                "pkg:pypi/requests@2.31.0",
                (req,),
                "python/requirements",
                direct=True,
                licenses=("Apache-2.0",),
                dependencies=("urllib3", "idna"),
            ),
            Package(
                "urllib3",
                "2.0.7",
                Ecosystem.PYPI,
                "pkg:pypi/urllib3@2.0.7",
                (req,),
                "python/requirements",
                direct=False,
                licenses=("MIT",),
            ),
            Package(
                "idna",
                "3.4",
                Ecosystem.PYPI,
                "pkg:pypi/idna@3.4",
                (req,),
                "python/requirements",
                direct=False,
                licenses=("BSD-3-Clause OR Unlicense",),
            ),
            Package(
                "flask",
                "",
                Ecosystem.PYPI,
                "pkg:pypi/flask",
                (req,),
                "python/requirements",
                direct=True,
                metadata={"constraint": ">=2.0"},
            ),
            Package(
                "@babel/core",
                "7.23.0",
                Ecosystem.NPM,
                "pkg:npm/%40babel/core@7.23.0",
                (lock,),
                "javascript/package-lock",
                direct=True,
                dev=True,
                licenses=("MIT",),
                dependencies=("semver",),
            ),
            Package(
                "semver",
                "6.3.1",
                Ecosystem.NPM,
                "pkg:npm/semver@6.3.1",
                (lock,),
                "javascript/package-lock",
                direct=False,
                dev=True,
                licenses=("ISC",),
            ),
            Package(
                "left-pad",
                "1.3.0",
                Ecosystem.NPM,
                "pkg:npm/left-pad@1.3.0",
                (lock,),
                "javascript/package-lock",
                direct=True,
                dev=False,
                licenses=("WTFPL", "public domain"),
            ),
        ]
    )


def image_ref() -> ArtifactRef:
    return ArtifactRef(
        kind=ArtifactKind.IMAGE,
        ref="registry.example.com/team/app:1.4",
        name="registry.example.com/team/app:1.4",
        digest="sha256:" + "a" * 64,
        image_id="sha256:" + "b" * 64,
        repo_tags=("registry.example.com/team/app:1.4",),
        repo_digests=("registry.example.com/team/app@sha256:" + "a" * 64,),
        platform="linux/amd64",
        os=OsInfo(family="debian", version="12", name="Debian GNU/Linux 12 (bookworm)", codename="bookworm"),
        layers=(
            LayerInfo(index=0, digest="sha256:" + "c" * 64, diff_id=BASE),
            LayerInfo(index=1, digest="sha256:" + "d" * 64, diff_id=APP),
        ),
    )


def image() -> Sbom:
    return Sbom(target=image_ref(), packages=image_packages(), tools=(TOOL,), created=CREATED)


def project() -> Sbom:
    ref = ArtifactRef(kind=ArtifactKind.FS, ref="/src/project", name="project")
    return Sbom(target=ref, packages=project_packages(), tools=(TOOL,), created=CREATED)


def empty() -> Sbom:
    ref = ArtifactRef(kind=ArtifactKind.REPO, ref="/src/empty", name="empty", metadata={"commit": "0" * 40})
    return Sbom(target=ref, packages=(), tools=(TOOL,), created=CREATED)


def _vuln(pkg: Package, ident: str, severity: Severity, **kw: object) -> Finding:
    return Finding(
        kind=FindingKind.VULNERABILITY,
        id=ident,
        title=f"{ident} in {pkg.name}",
        severity=severity,
        fingerprint=fingerprint(FindingKind.VULNERABILITY, ident, pkg.ecosystem.value, pkg.name, pkg.path),
        package=pkg.purl,
        package_id=pkg.id,
        installed_version=pkg.version,
        found_by="vuln",
        **kw,  # type: ignore[arg-type]
    )


def vulnerabilities() -> tuple[Finding, ...]:
    pkgs = {p.name: p for p in image_packages()}
    return (
        _vuln(
            pkgs["org.apache.commons:commons-text"],
            "GHSA-599f-7c49-w659",
            Severity.CRITICAL,
            aliases=("CVE-2022-42889",),
            description="Apache Commons Text performs variable interpolation, allowing properties to be dynamically evaluated.",
            fixed_versions=("1.10.0",),
            known_exploited=False,
            cvss=(
                Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, "nvd", Severity.CRITICAL),
            ),
            references=("https://github.com/advisories/GHSA-599f-7c49-w659",),
            evidence=VulnEvidence(
                data_source="osv:Maven",
                severity_source="ghsa",
                fix_state="fixed",
                published="2022-10-13T12:00:31Z",
                modified="2024-02-16T08:14:01Z",
                epss=0.97,
            ),
        ),
        _vuln(
            pkgs["libc6"],
            "CVE-2023-4911",
            Severity.HIGH,
            fixed_versions=("2.36-9+deb12u3",),
            known_exploited=True,
            cvss=(
                Cvss("3.1", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8, "nvd", Severity.HIGH),
                Cvss("2.0", "AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2, "nvd"),
            ),
            evidence=VulnEvidence(data_source="debian-tracker", severity_source="nvd", fix_state="fixed"),
            suppressed=Suppression(
                by="vex",
                reason="the setuid binaries are removed",
                ref="vex/app.openvex.json",
                justification="vulnerable_code_not_in_execute_path",
            ),
        ),
        _vuln(
            pkgs["stdlib"],
            "GO-2023-2102",
            Severity.MEDIUM,
            aliases=("CVE-2023-39325", "GHSA-4374-p667-p6c8"),
            fixed_versions=("1.21.3",),
            evidence=VulnEvidence(data_source="osv:Go", fix_state="fixed"),
            suppressed=Suppression(
                by="waiver", reason="HTTP/2 disabled", ref="W-12", expires="2026-06-30", owner="team-a"
            ),
        ),
        _vuln(
            pkgs["bash"], "CVE-2022-3715", Severity.LOW, evidence=VulnEvidence(data_source="debian-tracker")
        ),
    )


def vdr() -> Sbom:
    return Sbom(
        target=image_ref(),
        packages=image_packages(),
        findings=vulnerabilities(),
        tools=(TOOL,),
        created=CREATED,
    )


def vdr_result() -> ScanResult:
    return ScanResult(
        target=image_ref(),
        bastion_version="0.0.0-test",
        packages=image_packages(),
        findings=vulnerabilities(),
        provenance=Provenance(started=CREATED, finished=CREATED),
    )


SBOM_CASES: dict[str, Callable[[], Sbom]] = {"image": image, "project": project, "empty": empty, "vdr": vdr}
