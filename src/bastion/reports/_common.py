"""Helpers shared by reporters: counts, gate status per finding, locations. Presentation only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bastion.model import Finding, FindingKind, Package, ScanResult, Severity, VulnEvidence

SEVERITIES: tuple[Severity, ...] = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.UNKNOWN,
)
KINDS: tuple[FindingKind, ...] = tuple(FindingKind)
KIND_TITLES = {
    FindingKind.VULNERABILITY: "Vulnerabilities",
    FindingKind.SECRET: "Secrets",
    FindingKind.MALWARE: "Malware",
    FindingKind.MISCONFIG: "Misconfigurations",
    FindingKind.LICENSE: "Licenses",
}
#: SARIF/GitHub "security-severity" (0-10) when a finding has no CVSS score (trivy's choice of values).
SECURITY_SEVERITY = {
    Severity.CRITICAL: 9.5,
    Severity.HIGH: 8.0,
    Severity.MEDIUM: 5.5,
    Severity.LOW: 2.0,
    Severity.UNKNOWN: 0.0,
}


@dataclass(frozen=True)
class Status:
    """How the gate treated one finding: ``violation`` (with its rule), ``suppressed`` or ``ok``."""

    state: str
    rule: str | None = None
    message: str | None = None


def statuses(result: ScanResult) -> dict[str, Status]:
    """Fingerprint → gate status; findings the gate did not see (no policy) are absent."""
    out: dict[str, Status] = {}
    verdict = result.verdict
    if verdict is not None:
        for v in verdict.violations:
            out.setdefault(v.fingerprint, Status("violation", v.rule, v.message))
    for f in result.findings:
        if f.suppressed is not None:
            out[f.fingerprint] = Status("suppressed", message=f.suppressed.reason)
        elif verdict is not None:
            out.setdefault(f.fingerprint, Status("ok"))
    return out


def counts(findings: tuple[Finding, ...] | list[Finding]) -> dict[FindingKind, Counter[Severity]]:
    """Unsuppressed findings per kind and severity."""
    out: dict[FindingKind, Counter[Severity]] = {k: Counter() for k in KINDS}
    for f in findings:
        if f.suppressed is None:
            out[f.kind][f.severity] += 1
    return out


def packages_by_id(result: ScanResult) -> dict[str, Package]:
    return {p.id: p for p in result.packages if p.id}


def finding_path(f: Finding, packages: dict[str, Package]) -> str | None:
    """The file a finding points at: its own location, else its package's first location."""
    if f.location is not None and f.location.path:
        return f.location.path
    if f.package_id and f.package_id in packages:
        return packages[f.package_id].path
    return None


def package_name(f: Finding, packages: dict[str, Package]) -> str:
    if f.package_id and f.package_id in packages:
        return packages[f.package_id].name
    if f.package:
        tail = f.package.split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
        return tail.split("@", 1)[0].replace("%40", "@")
    return ""


def best_score(f: Finding) -> float | None:
    scores = [c.score for c in f.cvss if c.score is not None]
    return max(scores) if scores else None


def security_severity(f: Finding) -> float:
    score = best_score(f)
    return score if score is not None else SECURITY_SEVERITY[f.severity]


def epss(f: Finding) -> float | None:
    return f.evidence.epss if isinstance(f.evidence, VulnEvidence) else None


def location_text(f: Finding, packages: dict[str, Package]) -> str:
    path = finding_path(f, packages) or ""
    if f.location is not None:
        if f.location.line:
            path += f":{f.location.line}"
        if f.location.resource:
            path += f" ({f.location.resource})"
    return path


def target_label(result: ScanResult) -> str:
    t = result.target
    return t.ref + (f"@{t.digest}" if t.digest and t.digest not in t.ref else "")
