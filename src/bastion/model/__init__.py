"""The shared vocabulary: frozen dataclasses, no I/O.

Everything a scan produces is built from these types, and :mod:`bastion.codec` writes and re-reads
them as bastion's JSON without loss.
"""

from bastion.model.artifact import (
    ArtifactKind,
    ArtifactRef,
    FileRef,
    FileType,
    HistoryEntry,
    ImageConfig,
    LayerInfo,
    OsInfo,
)
from bastion.model.finding import (
    ComplianceRef,
    Cvss,
    Evidence,
    Finding,
    FindingKind,
    LicenseEvidence,
    MalwareEvidence,
    MisconfigEvidence,
    SecretEvidence,
    Severity,
    Suppression,
    VulnEvidence,
    fingerprint,
)
from bastion.model.ids import AdvisoryId, ArtifactDigest, DbRevision, FindingId, PackageKey, PluginId
from bastion.model.inventory import Inventory, Unknown
from bastion.model.package import Ecosystem, Location, Package, package_id
from bastion.model.result import (
    SCHEMA_VERSION,
    DbInfo,
    DbSourceInfo,
    PluginState,
    PluginStatus,
    Provenance,
    ScanError,
    ScanResult,
    Verdict,
    Violation,
    WaiverUse,
)

__all__ = [
    "SCHEMA_VERSION",
    "AdvisoryId",
    "ArtifactDigest",
    "ArtifactKind",
    "ArtifactRef",
    "ComplianceRef",
    "Cvss",
    "DbInfo",
    "DbRevision",
    "DbSourceInfo",
    "Ecosystem",
    "Evidence",
    "FileRef",
    "FileType",
    "Finding",
    "FindingId",
    "FindingKind",
    "HistoryEntry",
    "ImageConfig",
    "Inventory",
    "LayerInfo",
    "LicenseEvidence",
    "Location",
    "MalwareEvidence",
    "MisconfigEvidence",
    "OsInfo",
    "Package",
    "PackageKey",
    "PluginId",
    "PluginState",
    "PluginStatus",
    "Provenance",
    "ScanError",
    "ScanResult",
    "SecretEvidence",
    "Severity",
    "Suppression",
    "Unknown",
    "Verdict",
    "Violation",
    "VulnEvidence",
    "WaiverUse",
    "fingerprint",
    "package_id",
]
