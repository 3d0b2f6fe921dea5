"""The gate's configuration as frozen values: fail conditions per finding kind, waivers and VEX statements.

Nothing here does I/O. ``bastion.config`` builds these from ``bastion.yaml`` and CLI flags, and
``bastion.policy.vex`` from VEX documents; ``bastion.policy.gate`` evaluates them. See docs/policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bastion.model import FindingKind, Severity

VexStatus = Literal["not_affected", "affected", "fixed", "under_investigation"]

#: OpenVEX justifications for ``not_affected`` (CycloneDX ones are mapped onto these on read).
VEX_JUSTIFICATIONS: tuple[str, ...] = (
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
)


@dataclass(frozen=True, slots=True)
class SeverityRule:
    """Which severities count: ``severities`` when given (an explicit list), else ``>= threshold``."""

    threshold: Severity = Severity.HIGH
    severities: frozenset[Severity] = frozenset()

    def matches(self, severity: Severity) -> bool:
        if self.severities:
            return severity in self.severities
        return severity.rank >= self.threshold.rank

    def describe(self) -> str:
        if self.severities:
            return "severity in " + ", ".join(s.value for s in sorted(self.severities, key=lambda s: -s.rank))
        return f"severity >= {self.threshold.value}"


@dataclass(frozen=True, slots=True)
class VulnerabilityPolicy:
    """A vulnerability fails the gate when it passes *every* active filter.

    ``ignore_unfixed``: only vulnerabilities with a fix available count. ``known_exploited_only``: only
    CISA-KEV listed ones count. ``epss_threshold``: only those whose EPSS probability is at least this
    value count; a vulnerability *without* an EPSS score still counts (fail closed).
    """

    severity: SeverityRule = field(default_factory=SeverityRule)
    ignore_unfixed: bool = False
    known_exploited_only: bool = False
    epss_threshold: float | None = None


@dataclass(frozen=True, slots=True)
class MisconfigPolicy:
    severity: SeverityRule = field(default_factory=SeverityRule)
    #: Rule ids that fail the gate whatever their severity.
    fail_rules: frozenset[str] = frozenset()
    #: Rule ids that never fail the gate (still reported, not suppressed).
    ignore_rules: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class LicensePolicy:
    """SPDX ids (case-insensitive). ``deny`` always fails; with a non-empty ``allow`` anything else fails."""

    deny: frozenset[str] = frozenset()
    allow: frozenset[str] = frozenset()

    @property
    def active(self) -> bool:
        return bool(self.deny or self.allow)


@dataclass(frozen=True, slots=True)
class Waiver:
    """A documented exception. Matches a finding when every field that is set matches.

    ``id`` matches the finding id or any alias (vulnerability ids, rule ids, license ids);
    ``fingerprint`` the finding fingerprint; ``package`` a purl (without a version it matches every
    version) or a package name glob; ``path``, ``image`` and ``resource`` are globs (``**`` crosses
    directories). ``expires`` is the last day the waiver applies.
    """

    reason: str
    owner: str
    expires: date
    id: str | None = None
    fingerprint: str | None = None
    kind: FindingKind | None = None
    package: str | None = None
    path: str | None = None
    image: str | None = None
    resource: str | None = None
    justification: str | None = None  # an OpenVEX justification, used by ``bastion vex export``
    name: str | None = None
    source: str = ""  # "bastion.yaml:12"

    @property
    def label(self) -> str:
        """How reports name this waiver: its ``name``, else what it waives and where."""
        if self.name:
            return self.name
        what = self.id or self.fingerprint or (self.kind.value if self.kind else "waiver")
        scope = [
            f"{key}={value}"
            for key, value in (
                ("package", self.package),
                ("path", self.path),
                ("image", self.image),
                ("resource", self.resource),
            )
            if value
        ]
        return f"{what} [{', '.join(scope)}]" if scope else what

    def expired(self, today: date) -> bool:
        return today > self.expires


@dataclass(frozen=True, slots=True)
class VexProduct:
    """A product a statement is about: its identifier (purl or other IRI) and optional subcomponents."""

    id: str
    subcomponents: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VexStatement:
    vulnerability: str
    status: VexStatus
    products: tuple[VexProduct, ...]
    aliases: tuple[str, ...] = ()
    justification: str | None = None
    impact_statement: str | None = None
    action_statement: str | None = None
    timestamp: str | None = None
    source: str = ""  # "vex/app.openvex.json#3" (statement index)


@dataclass(frozen=True, slots=True)
class Policy:
    """Everything the gate needs. The defaults are bastion's default policy (docs/policy.md)."""

    vulnerability: VulnerabilityPolicy = field(default_factory=VulnerabilityPolicy)
    misconfig: MisconfigPolicy = field(default_factory=MisconfigPolicy)
    license: LicensePolicy = field(default_factory=LicensePolicy)
    waivers: tuple[Waiver, ...] = ()
    vex: tuple[VexStatement, ...] = ()
    #: Exit code the CLI uses when the gate fails.
    exit_code: int = 1
    #: Where the policy came from ("bastion.yaml", "defaults"), for messages.
    source: str = "defaults"
