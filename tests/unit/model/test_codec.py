from datetime import UTC, datetime

import pytest

from bastion import codec
from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    ComplianceRef,
    Cvss,
    Ecosystem,
    Finding,
    FindingKind,
    HistoryEntry,
    ImageConfig,
    LayerInfo,
    Location,
    MalwareEvidence,
    MisconfigEvidence,
    OsInfo,
    Package,
    PluginStatus,
    Provenance,
    ScanError,
    ScanResult,
    SecretEvidence,
    Severity,
    Suppression,
    Verdict,
    Violation,
    VulnEvidence,
    fingerprint,
)


def full_result() -> ScanResult:
    layer = "sha256:" + "a" * 64
    target = ArtifactRef(
        kind=ArtifactKind.IMAGE,
        ref="registry.example/app:1",
        name="app",
        digest="sha256:" + "b" * 64,
        platform="linux/amd64",
        os=OsInfo("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm"),
        layers=(
            LayerInfo(
                0, "sha256:" + "c" * 64, layer, 123, "application/vnd.oci.image.layer.v1.tar+gzip", "ADD x /"
            ),
        ),
        image=ImageConfig(
            user="root", env=("A=1",), labels={"k": "v"}, history=(HistoryEntry(created_by="ADD x /"),)
        ),
    )
    pkg = Package(
        "openssl",
        "3.0.11-1~deb12u2",
        Ecosystem.DEBIAN,
        "pkg:deb/debian/openssl@3.0.11-1~deb12u2?distro=debian-12",
        (Location("var/lib/dpkg/status", layer),),
        "os/dpkg",
        "abc",
        "openssl",
        "3.0.11-1~deb12u2",
        licenses=("Apache-2.0",),
        metadata={"arch": "amd64"},
    )
    findings = (
        Finding(
            FindingKind.VULNERABILITY,
            "CVE-2024-0727",
            "PKCS12 NULL deref",
            Severity.MEDIUM,
            fingerprint(
                FindingKind.VULNERABILITY, "CVE-2024-0727", "Debian", "openssl", "var/lib/dpkg/status"
            ),
            aliases=("DSA-5000-1",),
            package=pkg.purl,
            package_id="abc",
            installed_version=pkg.version,
            fixed_versions=("3.0.13-1~deb12u1",),
            known_exploited=True,
            cvss=(Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "nvd", Severity.HIGH),),
            evidence=VulnEvidence(data_source="debian-tracker", epss=0.1, kev_due_date="2024-01-01"),
        ),
        Finding(
            FindingKind.SECRET,
            "aws-access-key-id",
            "AWS key",
            Severity.CRITICAL,
            "secr:1",
            location=Location("app/.env", layer, 3, 3),
            suppressed=Suppression("waiver", "test key", "w1", "2030-01-01"),
            evidence=SecretEvidence(match="AKIA…(20)", secret_hash="00", deleted_in_later_layer=True),
        ),
        Finding(
            FindingKind.MALWARE,
            "EICAR",
            "EICAR test file",
            Severity.CRITICAL,
            "malw:1",
            location=Location("eicar.com"),
            evidence=MalwareEvidence(sha256="ff", rule="EICAR", tags=("test",)),
        ),
        Finding(
            FindingKind.MISCONFIG,
            "K8S-001",
            "Privileged",
            Severity.HIGH,
            "misc:1",
            location=Location("k8s/dep.yaml", None, 10, 20, "Deployment/default/web"),
            evidence=MisconfigEvidence(
                file_type="kubernetes", compliance=(ComplianceRef("CIS Kubernetes Benchmark", "5.2.1"),)
            ),
        ),
    )
    return ScanResult(
        target=target,
        bastion_version="0.1.0",
        packages=(pkg,),
        findings=findings,
        errors=(ScanError("layer 2", "truncated gzip", None, layer),),
        verdict=Verdict(False, "fail", ("secret",), (Violation("secret", "secr:1", "x"),)),
        plugins=(PluginStatus("os/dpkg", 1, "extractor", files=1, items=1),),
        provenance=Provenance(started=datetime(2026, 1, 1, tzinfo=UTC), scanners=("vuln", "secret")),
        stats={"files": 10},
    )


def test_round_trip_is_lossless():
    result = full_result()
    again = codec.loads(codec.dumps(result))
    assert again == result
    assert isinstance(again.findings[1].evidence, SecretEvidence)
    assert isinstance(again.findings[3].evidence, MisconfigEvidence)


def test_contract_field_names():
    data = codec.result_to_dict(full_result())
    assert data["schema_version"] == "1"
    for key in ("bastion_version", "db", "target", "packages", "findings", "verdict", "errors"):
        assert key in data
    f = data["findings"][0]
    for key in (
        "kind",
        "id",
        "aliases",
        "severity",
        "title",
        "package",
        "installed_version",
        "fixed_versions",
        "known_exploited",
        "cvss",
        "location",
        "suppressed",
        "fingerprint",
    ):
        assert key in f
    assert f["kind"] == "vulnerability" and f["severity"] == "medium"
    assert data["packages"][0]["locations"][0] == {
        "path": "var/lib/dpkg/status",
        "layer": "sha256:" + "a" * 64,
        "line": None,
        "end_line": None,
        "resource": None,
    }


def test_bad_results_name_the_field():
    data = codec.result_to_dict(full_result())
    data["findings"][0]["severity"] = "apocalyptic"
    with pytest.raises(codec.ResultFormatError, match=r"findings\.0\.severity"):
        codec.result_from_dict(data, source="stored.json")
    with pytest.raises(codec.ResultFormatError, match="schema_version"):
        codec.result_from_dict({"schema_version": "9"})
    with pytest.raises(codec.ResultFormatError, match="not JSON"):
        codec.loads("{", source="x.json")


def test_fingerprint_is_stable_and_kind_scoped():
    a = fingerprint(FindingKind.VULNERABILITY, "CVE-1", "PyPI", "requests", "req.txt")
    assert a == fingerprint(FindingKind.VULNERABILITY, "CVE-1", "PyPI", "requests", "req.txt")
    assert a != fingerprint(FindingKind.VULNERABILITY, "CVE-1", "PyPI", "requests", "other.txt")
    assert a.startswith("vuln:")
    # part boundaries matter: ("ab", "c") is not ("a", "bc")
    assert fingerprint(FindingKind.SECRET, "ab", "c") != fingerprint(FindingKind.SECRET, "a", "bc")


def test_severity_parse_and_rank():
    assert Severity.parse("Important") is Severity.HIGH
    assert Severity.parse("moderate") is Severity.MEDIUM
    assert Severity.from_score(9.8) is Severity.CRITICAL and Severity.from_score(0.0) is Severity.UNKNOWN
    assert Severity.CRITICAL.rank > Severity.HIGH.rank > Severity.UNKNOWN.rank
    with pytest.raises(ValueError):
        Severity.parse("apocalyptic")
