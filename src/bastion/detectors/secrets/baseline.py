"""The secrets baseline: known findings, by fingerprint, that later scans report as suppressed.

``bastion secrets baseline TARGET -o .bastion-secrets-baseline.json`` writes it; a scan finds it in the
target's root (or at ``secret.baseline``) and marks matching findings ``suppressed.by == "baseline"``.
The file holds no secret: fingerprints, rule ids, paths, lines, sha256 hashes and the redacted form.
It records the plugin version and rule digest it was made with; older file versions are upgraded on
read by the migrations below (detect-secrets' idea).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion.errors import ConfigError
from bastion.model import Finding, FindingKind, SecretEvidence

__all__ = ["BASELINE_NAME", "BASELINE_VERSION", "Baseline", "baseline_from_findings", "parse_baseline"]

BASELINE_NAME = ".bastion-secrets-baseline.json"
BASELINE_VERSION = 1


@dataclass
class Baseline:
    fingerprints: set[str] = field(default_factory=set)
    source: str = ""
    entries: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __contains__(self, fingerprint: str) -> bool:
        return fingerprint in self.fingerprints


def _v0_to_v1(doc: Any) -> dict[str, Any]:
    """Version 0: a bare list of fingerprints (or of ``{"fingerprint": …}`` objects)."""
    items = doc if isinstance(doc, list) else doc.get("fingerprints", [])
    entries = [{"fingerprint": i} if isinstance(i, str) else dict(i) for i in items]
    return {"version": 1, "findings": entries}


_MIGRATIONS: dict[int, Callable[[Any], dict[str, Any]]] = {0: _v0_to_v1}


def parse_baseline(text: str, source: str) -> Baseline:
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{source}: not a secrets baseline (invalid JSON: {exc})") from None
    version = doc.get("version", 0) if isinstance(doc, dict) else 0
    if not isinstance(version, int) or version > BASELINE_VERSION:
        raise ConfigError(
            f"{source}: baseline version {version!r} is newer than this bastion understands "
            f"({BASELINE_VERSION})"
        )
    while version < BASELINE_VERSION:
        doc = _MIGRATIONS[version](doc)
        version = doc["version"]
    entries = doc.get("findings")
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: expected 'findings': [...] in the secrets baseline")
    fps = set()
    for i, e in enumerate(entries):
        if not isinstance(e, dict) or not isinstance(e.get("fingerprint"), str):
            raise ConfigError(f"{source}: findings[{i}]: expected an object with a 'fingerprint'")
        fps.add(e["fingerprint"])
    meta = {k: v for k, v in doc.items() if k != "findings"}
    return Baseline(fps, source, entries, meta)


def load_baseline(path: Path) -> Baseline:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the secrets baseline: {exc.strerror or exc}") from None
    return parse_baseline(text, str(path))


def baseline_from_findings(
    findings: Iterable[Finding], *, bastion_version: str, plugin: str, target: str, settings: dict[str, Any]
) -> dict[str, Any]:
    """The baseline document for the secret findings of a scan (suppressed ones included: a baseline
    regenerated over an old one keeps the old entries)."""
    entries = []
    seen = set()
    for f in findings:
        if f.kind is not FindingKind.SECRET or f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        ev = f.evidence if isinstance(f.evidence, SecretEvidence) else SecretEvidence()
        loc = f.location
        entries.append(
            {
                "fingerprint": f.fingerprint,
                "rule": f.id,
                "path": loc.path if loc else None,
                "line": loc.line if loc else None,
                "layer": loc.layer if loc else None,
                "resource": loc.resource if loc else None,
                "secret_hash": ev.secret_hash,
                "match": ev.match,
                "commit": ev.commit,
            }
        )
    entries.sort(key=lambda e: (e["path"] or "", e["line"] or 0, e["rule"]))
    return {
        "version": BASELINE_VERSION,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "bastion_version": bastion_version,
        "plugin": plugin,
        "target": target,
        "settings": settings,
        "findings": entries,
    }
