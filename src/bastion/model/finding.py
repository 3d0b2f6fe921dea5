"""Findings: vulnerabilities, secrets, malware, misconfigurations and license issues.

Every finding carries a ``fingerprint``: a digest of the fields that identify *the same problem in the
same place* across re-scans, so the server can track a finding's lifecycle. Fingerprints never include
layer digests, line numbers or installed versions (a rebuilt image or an edit above the line would
otherwise create a "new" finding); see :func:`fingerprint`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from bastion.model.package import Location


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Higher is worse: critical=4 … low=1, unknown=0."""
        return _RANK[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Lenient parse of severities as vendors write them (``Important``, ``moderate``, ``NEGLIGIBLE``)."""
        key = text.strip().lower()
        mapped = _ALIASES.get(key)
        if mapped is None:
            raise ValueError(f"unknown severity {text!r}")
        return mapped

    @classmethod
    def from_score(cls, score: float | None) -> Severity:
        """CVSS v3/v4 qualitative rating of a base score."""
        if score is None:
            return cls.UNKNOWN
        if score >= 9.0:
            return cls.CRITICAL
        if score >= 7.0:
            return cls.HIGH
        if score >= 4.0:
            return cls.MEDIUM
        if score > 0.0:
            return cls.LOW
        return cls.UNKNOWN


_RANK = {
    Severity.CRITICAL: 4,
    Severity.HIGH: 3,
    Severity.MEDIUM: 2,
    Severity.LOW: 1,
    Severity.UNKNOWN: 0,
}
_ALIASES = {
    "critical": Severity.CRITICAL,
    "high": Severity.HIGH,
    "important": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "moderate": Severity.MEDIUM,
    "low": Severity.LOW,
    "negligible": Severity.LOW,
    "unimportant": Severity.LOW,
    "minor": Severity.LOW,
    "unknown": Severity.UNKNOWN,
    "none": Severity.UNKNOWN,
    "not yet assigned": Severity.UNKNOWN,
}


class FindingKind(StrEnum):
    VULNERABILITY = "vulnerability"
    SECRET = "secret"
    MALWARE = "malware"
    MISCONFIG = "misconfig"
    LICENSE = "license"


@dataclass(frozen=True, slots=True)
class Cvss:
    """One CVSS assessment as published, scored with the ``cvss`` library."""

    version: str  # "2.0", "3.0", "3.1", "4.0"
    vector: str
    score: float | None = None
    source: str = ""  # "nvd", "ghsa", "debian", the advisory's database_specific source …
    severity: Severity = Severity.UNKNOWN


@dataclass(frozen=True, slots=True)
class Suppression:
    """Why a finding does not count against the gate. Suppressed findings stay in the result."""

    by: Literal["waiver", "vex", "inline", "baseline", "config", "policy"]
    reason: str
    ref: str | None = None  # waiver id, VEX document path/statement, baseline file
    expires: str | None = None  # ISO date of the waiver's expiry
    owner: str | None = None
    justification: str | None = None  # VEX justification, e.g. "vulnerable_code_not_in_execute_path"


@dataclass(frozen=True, slots=True)
class VexInfo:
    """What a VEX statement says about a vulnerability finding that it did not suppress
    (``affected``, ``under_investigation``); suppressing statements are recorded in ``suppressed``."""

    status: Literal["not_affected", "affected", "fixed", "under_investigation"]
    source: str  # VEX document and statement index
    justification: str | None = None
    statement: str | None = None  # impact or action statement


@dataclass(frozen=True, slots=True)
class VulnEvidence:
    kind: Literal["vulnerability"] = "vulnerability"
    data_source: str = ""  # "osv:PyPI", "debian-tracker", "alpine-secdb"
    severity_source: str = ""  # which input gave ``Finding.severity`` (see docs/severity.md)
    fix_state: Literal["fixed", "not_fixed", "wont_fix", "unknown"] = "unknown"
    published: str | None = None
    modified: str | None = None
    epss: float | None = None
    epss_percentile: float | None = None
    kev_due_date: str | None = None
    kev_ransomware: bool | None = None
    distro_urgency: str | None = None
    match_reason: str = ""  # e.g. "introduced 0, fixed 2.31.0" or "listed in versions"
    #: The smallest version of the package that clears *every* vulnerability finding of it (same value
    #: on each of the package's findings); None when no single known version does.
    upgrade_to: str | None = None


@dataclass(frozen=True, slots=True)
class SecretEvidence:
    kind: Literal["secret"] = "secret"
    match: str = ""  # redacted: first 4 characters + length, never the secret itself
    secret_hash: str = ""  # sha256 of the secret value (lets baselines match without plaintext)
    entropy: float | None = None
    validation: Literal["valid", "invalid", "unverified", "error"] = "unverified"
    commit: str | None = None
    author: str | None = None
    date: str | None = None
    deleted_in_later_layer: bool = False
    #: False for findings about public material (an expired or weak *certificate*): they are hygiene
    #: problems judged by severity, not leaked credentials that always fail the gate.
    credential: bool = True
    extra: dict[str, str] = field(default_factory=dict)  # key type/size, certificate expiry, …


@dataclass(frozen=True, slots=True)
class MalwareEvidence:
    kind: Literal["malware"] = "malware"
    sha256: str = ""
    rule: str = ""
    source: str = ""  # "yara:<namespace>" or "hash:<list name>"
    tags: tuple[str, ...] = ()
    archive_path: tuple[str, ...] = ()  # members traversed inside nested archives


@dataclass(frozen=True, slots=True)
class ComplianceRef:
    framework: str  # "CIS Kubernetes Benchmark", "NIST SP 800-53 rev5", "PCI DSS 4.0", …
    control: str  # "5.2.2", "AC-6", "2.2.1"


@dataclass(frozen=True, slots=True)
class MisconfigEvidence:
    kind: Literal["misconfig"] = "misconfig"
    file_type: str = (
        ""  # "dockerfile", "kubernetes", "terraform", "cloudformation", "compose", "image-config"
    )
    provider: str = ""  # "aws", "azure", "gcp", "kubernetes", "docker"
    offending_value: str | None = None
    remediation: str = ""
    compliance: tuple[ComplianceRef, ...] = ()


@dataclass(frozen=True, slots=True)
class LicenseEvidence:
    kind: Literal["license"] = "license"
    license: str = ""  # SPDX id or expression
    category: str = ""  # "denied", "not-allowed", "unknown"


Evidence = VulnEvidence | SecretEvidence | MalwareEvidence | MisconfigEvidence | LicenseEvidence


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found. ``id`` is the advisory or rule id; ``aliases`` lists every other id."""

    kind: FindingKind
    id: str
    title: str
    severity: Severity
    fingerprint: str
    aliases: tuple[str, ...] = ()
    description: str = ""
    package: str | None = None  # purl of the affected package
    package_id: str | None = None
    installed_version: str | None = None
    fixed_versions: tuple[str, ...] = ()
    known_exploited: bool = False
    cvss: tuple[Cvss, ...] = ()
    location: Location | None = None
    references: tuple[str, ...] = ()
    suppressed: Suppression | None = None
    found_by: str = ""
    evidence: Evidence | None = None
    vex: VexInfo | None = None


def fingerprint(kind: FindingKind, *parts: str | None) -> str:
    """Digest of the identifying parts of a finding, prefixed by its kind.

    Callers pass only what identifies the same problem in the same place:

    - vulnerability: primary id, ecosystem, package name, package path
    - secret: rule id, path, sha256 of the secret value
    - malware: rule, path, file sha256
    - misconfig: rule id, path, resource
    - license: license id, ecosystem, package name, package path
    """
    h = hashlib.sha256(kind.value.encode())
    for part in parts:
        h.update(b"\x00")
        # surrogateescape: file names that are not UTF-8 (kept by Python as lone surrogates) hash as
        # their original bytes instead of failing.
        h.update((part or "").encode("utf-8", "surrogateescape"))
    return f"{kind.value[:4]}:{h.hexdigest()[:32]}"
