"""Certificate hygiene findings (expired, weak) are public material: judged by severity, unlike credentials."""

from bastion.model import (
    ArtifactKind,
    ArtifactRef,
    Finding,
    FindingKind,
    Location,
    ScanResult,
    SecretEvidence,
    Severity,
)
from bastion.policy.gate import RULE_CERTIFICATE, RULE_SECRET, apply_policy
from bastion.policy.model import Policy


def _finding(rule: str, severity: Severity, credential: bool) -> Finding:
    return Finding(
        FindingKind.SECRET,
        rule,
        rule,
        severity,
        f"secr:{rule}:{severity.value}",
        location=Location("certs/ca-bundle.pem", line=10),
        evidence=SecretEvidence(match="x", credential=credential),
    )


def _verdict(*findings: Finding):
    result = ScanResult(target=ArtifactRef(ArtifactKind.FS, "/x"), bastion_version="0", findings=findings)
    verdict = apply_policy(result, Policy()).verdict
    assert verdict is not None
    return verdict


def test_expired_ca_certificate_does_not_fail_the_default_gate():
    assert _verdict(_finding("certificate-expired", Severity.MEDIUM, credential=False)).passed


def test_a_high_severity_certificate_problem_fails_by_severity():
    verdict = _verdict(_finding("certificate-weak-key", Severity.HIGH, credential=False))
    assert verdict.failed_rules == (RULE_CERTIFICATE,)


def test_credentials_always_fail_whatever_their_severity():
    verdict = _verdict(_finding("private-key-rsa", Severity.LOW, credential=True))
    assert verdict.failed_rules == (RULE_SECRET,)
