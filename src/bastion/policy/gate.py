"""The gate: policy evaluation as a value, not an exception."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from bastion.model import Finding, FindingKind, ScanResult, Verdict, Violation
from bastion.policy.model import Policy


def _counts(finding: Finding, policy: Policy) -> bool:
    if finding.suppressed is not None:
        return False
    if finding.kind is FindingKind.VULNERABILITY:
        if policy.ignore_unfixed and not finding.fixed_versions:
            return False
        if policy.severities:
            return finding.severity in policy.severities
        return finding.severity.rank >= policy.severity.rank
    if finding.kind is FindingKind.MISCONFIG:
        return finding.severity.rank >= policy.severity.rank
    return True


def apply_policy(result: ScanResult, policy: Policy, *, now: datetime | None = None) -> ScanResult:
    """Return ``result`` with its verdict (and, later, waiver/VEX suppressions) filled in."""
    violations = tuple(
        Violation(rule=f"{f.kind.value}", fingerprint=f.fingerprint, message=f"{f.id} ({f.severity.value})")
        for f in result.findings
        if _counts(f, policy)
    )
    failed = tuple(dict.fromkeys(v.rule for v in violations))
    verdict = Verdict(passed=not violations, outcome="fail" if violations else "pass", failed_rules=failed, violations=violations)
    return dataclasses.replace(result, verdict=verdict)
