"""Policy model (the gate's configuration). Extended by the policy/waiver work; see docs/policy.md."""

from __future__ import annotations

from dataclasses import dataclass, field

from bastion.model import Severity


@dataclass(frozen=True)
class Policy:
    #: Vulnerabilities at or above this severity fail the gate.
    severity: Severity = Severity.HIGH
    #: Severities that count (Trivy's --severity list); empty means "at or above ``severity``".
    severities: frozenset[Severity] = field(default_factory=frozenset)
    ignore_unfixed: bool = False
    #: Exit code to use when the gate fails.
    exit_code: int = 1
