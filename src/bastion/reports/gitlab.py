"""GitLab security reports (schema 15.0.7): container scanning for image targets, dependency scanning
for everything else (directories, repositories, SBOMs).

Only vulnerability findings belong in these reports (GitLab has separate report types for secrets and
SAST/IaC; use SARIF or the JSON result for those). Suppressed vulnerabilities are included with a
``flagged-as-likely-false-positive`` flag that says why, so nothing disappears silently. Finding ids
are UUIDv5 of the bastion fingerprint, stable across scans.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from typing import Any, ClassVar, TextIO

from bastion.model import ArtifactKind, Finding, FindingKind, Package, ScanResult, Severity
from bastion.reports import _common as c

SCHEMA_VERSION = "15.0.7"
_NS = uuid.UUID("5f2b1c9e-6d0a-4c1b-9a57-b4a7c0f1e3d2")
_SEVERITY = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.UNKNOWN: "Unknown",
}
_CVSS2 = re.compile(
    r"^((AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))/)*"
    r"(AV:[NAL]|AC:[LMH]|Au:[MSN]|[CIA]:[NPC]|E:(U|POC|F|H|ND)|RL:(OF|TF|W|U|ND)|RC:(UC|UR|C|ND)|CDP:(N|L|LM|MH|H|ND)|TD:(N|L|M|H|ND)|[CIA]R:(L|M|H|ND))$"
)
_CVSS3 = re.compile(
    r"^CVSS:3[.][01]/((AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])/)*"
    r"(AV:[NALP]|AC:[LH]|PR:[NLH]|UI:[NR]|S:[UC]|[CIA]:[NLH]|E:[XUPFH]|RL:[XOTWU]|RC:[XURC]|[CIA]R:[XLMH]|MAV:[XNALP]|MAC:[XLH]|MPR:[XNLH]|MUI:[XNR]|MS:[XUC]|M[CIA]:[XNLH])$"
)
_URL = re.compile(r"^(https?|ftp)://.+")
_PACKAGE_MANAGER = {
    "PyPI": "pip",
    "npm": "npm",
    "Go": "go",
    "crates.io": "cargo",
    "Maven": "maven",
    "RubyGems": "bundler",
    "Packagist": "composer",
    "NuGet": "nuget",
    "Pub": "pub",
    "Hex": "mix",
    "ConanCenter": "conan",
}


def _identifier(ident: str) -> dict[str, str]:
    upper = ident.upper()
    if upper.startswith("CVE-"):
        return {
            "type": "cve",
            "name": ident,
            "value": ident,
            "url": f"https://nvd.nist.gov/vuln/detail/{ident}",
        }
    if upper.startswith("GHSA-"):
        return {
            "type": "ghsa",
            "name": ident,
            "value": ident,
            "url": f"https://github.com/advisories/{ident}",
        }
    if upper.startswith("CWE-"):
        return {"type": "cwe", "name": ident, "value": ident.split("-", 1)[1]}
    kind = ident.split("-", 1)[0].lower() if "-" in ident else "bastion"
    return {
        "type": kind or "bastion",
        "name": ident,
        "value": ident,
        "url": f"https://osv.dev/vulnerability/{ident}",
    }


def _time(result: ScanResult, which: str) -> str:
    stamp = getattr(result.provenance, which)
    if stamp is None:
        stamp = result.provenance.started or result.provenance.finished
    if stamp is None:
        return "1970-01-01T00:00:00"
    return str(stamp.strftime("%Y-%m-%dT%H:%M:%S"))


class GitLabReporter:
    name: ClassVar[str] = "gitlab"
    media_type: ClassVar[str] = "application/json"

    def render(self, result: ScanResult, out: TextIO) -> None:
        json.dump(self.document(result), out, indent=2, ensure_ascii=False)
        out.write("\n")

    @staticmethod
    def report_type(result: ScanResult) -> str:
        return "container_scanning" if result.target.kind is ArtifactKind.IMAGE else "dependency_scanning"

    def document(self, result: ScanResult) -> dict[str, Any]:
        kind = self.report_type(result)
        pkgs = c.packages_by_id(result)
        tool = {
            "id": "bastion",
            "name": "bastion",
            "version": result.bastion_version,
            "vendor": {"name": "bastion"},
        }
        doc: dict[str, Any] = {
            "version": SCHEMA_VERSION,
            "schema": f"https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v{SCHEMA_VERSION}/dist/"
            + (
                "container-scanning-report-format.json"
                if kind == "container_scanning"
                else "dependency-scanning-report-format.json"
            ),
            "scan": {
                "analyzer": dict(tool),
                "scanner": {**tool, "url": "https://github.com/bastion-scanner/bastion"},
                "type": kind,
                "start_time": _time(result, "started"),
                "end_time": _time(result, "finished"),
                "status": "success",
                "messages": [
                    {"level": "warn", "value": f"{e.path}: {e.message}"} for e in result.errors if e.message
                ],
            },
            "vulnerabilities": [
                self._vuln(f, kind, result, pkgs)
                for f in result.findings
                if f.kind is FindingKind.VULNERABILITY
            ],
            "remediations": [],
        }
        if kind == "dependency_scanning":
            doc["dependency_files"] = self._dependency_files(result.packages)
        return doc

    def _vuln(self, f: Finding, kind: str, result: ScanResult, pkgs: dict[str, Package]) -> dict[str, Any]:
        name = c.package_name(f, pkgs) or (f.package or "unknown")
        dependency: dict[str, Any] = {"package": {"name": name}, "version": f.installed_version or ""}
        pkg = pkgs.get(f.package_id or "")
        if pkg is not None and pkg.direct is not None:
            dependency["direct"] = pkg.direct
        if kind == "container_scanning":
            os_info = result.target.os
            location: dict[str, Any] = {
                "dependency": dependency,
                "operating_system": f"{os_info.family} {os_info.version}" if os_info else "Unknown",
                "image": result.target.ref,
            }
        else:
            location = {
                "file": c.finding_path(f, pkgs) or result.target.name or result.target.ref,
                "dependency": dependency,
            }
        identifiers = [_identifier(i) for i in dict.fromkeys((f.id, *f.aliases))]
        vuln: dict[str, Any] = {
            "id": str(uuid.uuid5(_NS, f.fingerprint)),
            "name": (f.title or f.id)[:255],
            "description": (f.description or f.title or f.id)[:1_048_576],
            "severity": _SEVERITY[f.severity],
            "identifiers": identifiers,
            "location": location,
            "links": [{"url": r} for r in f.references if _URL.match(r)],
            "details": {
                "fingerprint": {"name": "bastion fingerprint", "type": "text", "value": f.fingerprint},
            },
        }
        if f.fixed_versions:
            vuln["solution"] = f"Upgrade {name} to {' or '.join(f.fixed_versions)}"[:7000]
        vectors = [
            {"vendor": cv.source or "unknown", "vector": cv.vector}
            for cv in f.cvss
            if (_CVSS3.match(cv.vector) and 32 <= len(cv.vector) <= 128)
            or (_CVSS2.match(cv.vector) and 16 <= len(cv.vector) <= 128)
        ][:10]
        if vectors:
            vuln["cvss_vectors"] = vectors
        if f.known_exploited:
            vuln["details"]["known_exploited"] = {
                "name": "Known exploited (CISA KEV)",
                "type": "value",
                "value": True,
            }
        if f.suppressed is not None:
            s = f.suppressed
            vuln["flags"] = [
                {
                    "type": "flagged-as-likely-false-positive",
                    "origin": "bastion",
                    "description": f"suppressed by {s.by}: {s.reason}" + (f" ({s.ref})" if s.ref else ""),
                }
            ]
        return vuln

    @staticmethod
    def _dependency_files(packages: tuple[Package, ...]) -> list[dict[str, Any]]:
        by_file: dict[str, list[Package]] = defaultdict(list)
        for p in packages:
            if p.path:
                by_file[p.path].append(p)
        out = []
        for path in sorted(by_file):
            items = by_file[path]
            manager = _PACKAGE_MANAGER.get(items[0].ecosystem.value, items[0].ecosystem.value.lower())
            deps = []
            for p in items:
                dep: dict[str, Any] = {"package": {"name": p.name}, "version": p.version}
                if p.direct is not None:
                    dep["direct"] = p.direct
                deps.append(dep)
            out.append({"path": path, "package_manager": manager, "dependencies": deps})
        return out
