"""The scan result: the lossless record of one scan, written as bastion's JSON (schema_version 1).

Field names here *are* the JSON contract (see docs/json-schema.md): fields may be added, never renamed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from bastion.model.artifact import ArtifactRef
from bastion.model.finding import Finding
from bastion.model.package import Package

SCHEMA_VERSION = "1"


class PluginState(StrEnum):
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"  # ran, but some files could not be read (see errors)
    FAILED = "failed"
    SKIPPED = "skipped"  # not applicable, or its requirements were not met


@dataclass(frozen=True, slots=True)
class PluginStatus:
    name: str
    version: int
    kind: str  # "extractor" | "detector"
    state: PluginState = PluginState.SUCCEEDED
    message: str = ""
    files: int = 0  # files the plugin processed
    items: int = 0  # packages or findings it produced


@dataclass(frozen=True, slots=True)
class ScanError:
    """A problem with one part of the target; the rest was still scanned."""

    path: str
    message: str
    plugin: str | None = None
    layer: str | None = None


@dataclass(frozen=True, slots=True)
class DbSourceInfo:
    updated: str | None = None  # ISO 8601 time the source's data was published or fetched
    records: int | None = None
    revision: str | None = None


@dataclass(frozen=True, slots=True)
class DbInfo:
    revision: str | None = None
    sources: dict[str, DbSourceInfo] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason the gate failed: a rule and the finding (by fingerprint) that broke it."""

    rule: str
    fingerprint: str
    message: str


@dataclass(frozen=True, slots=True)
class WaiverUse:
    """A waiver as the gate saw it: applied, expired or unused."""

    id: str
    reason: str
    owner: str | None = None
    expires: str | None = None
    matched: tuple[str, ...] = ()  # fingerprints it suppressed (or would have, if expired)


@dataclass(frozen=True, slots=True)
class Verdict:
    passed: bool
    outcome: str = "pass"  # "pass" | "warn" | "fail"
    failed_rules: tuple[str, ...] = ()
    violations: tuple[Violation, ...] = ()
    applied_waivers: tuple[WaiverUse, ...] = ()
    expired_waivers: tuple[WaiverUse, ...] = ()
    unused_waivers: tuple[WaiverUse, ...] = ()


@dataclass(frozen=True, slots=True)
class Provenance:
    """How the result was produced: enough to reproduce it and to know when it went stale."""

    started: datetime | None = None
    finished: datetime | None = None
    scanners: tuple[str, ...] = ()
    config_digest: str | None = None
    options: dict[str, str] = field(default_factory=dict)
    host: str | None = None


@dataclass(frozen=True, slots=True)
class ScanResult:
    target: ArtifactRef
    bastion_version: str
    packages: tuple[Package, ...] = ()
    findings: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    verdict: Verdict | None = None
    db: DbInfo = field(default_factory=DbInfo)
    plugins: tuple[PluginStatus, ...] = ()
    provenance: Provenance = field(default_factory=Provenance)
    #: Counts from the walk: files, bytes, dirs, symlinks, layers, files_scanned …
    stats: dict[str, int] = field(default_factory=dict)
    schema_version: str = SCHEMA_VERSION
