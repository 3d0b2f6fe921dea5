"""SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.

One run, one rule per distinct finding id (per kind), one result per finding. Levels: critical/high →
``error``, medium → ``warning``, low/unknown → ``note``. Rules and results carry GitHub's
``security-severity`` (the best CVSS score, else 9.5/8.0/5.5/2.0 by severity) and ``tags``.
``partialFingerprints["bastion/v1"]`` is the finding fingerprint, so alerts stay stable across scans.
Suppressed findings are included with a SARIF ``suppressions`` entry (kind ``external``).
Findings without a file (an image-config problem) point at the target.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, TextIO

from bastion.model import Finding, FindingKind, ScanResult, Severity
from bastion.reports import _common as c

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/bastion-scanner/bastion"

_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.UNKNOWN: "note",
}


def _rule_id(f: Finding) -> str:
    return f.id if f.kind in (FindingKind.VULNERABILITY, FindingKind.MISCONFIG) else f"{f.kind.value}/{f.id}"


def _uri(path: str) -> str:
    return path.lstrip("/").replace(" ", "%20") or "."


class SarifReporter:
    name: ClassVar[str] = "sarif"
    media_type: ClassVar[str] = "application/sarif+json"

    def render(self, result: ScanResult, out: TextIO) -> None:
        json.dump(self.document(result), out, indent=2, ensure_ascii=False)
        out.write("\n")

    def document(self, result: ScanResult) -> dict[str, Any]:
        pkgs = c.packages_by_id(result)
        rules: list[dict[str, Any]] = []
        index: dict[str, int] = {}
        results: list[dict[str, Any]] = []
        for f in result.findings:
            rid = _rule_id(f)
            if rid not in index:
                index[rid] = len(rules)
                rules.append(self._rule(rid, f))
            else:  # a rule's severity is the worst of its findings
                rule = rules[index[rid]]
                if c.security_severity(f) > float(rule["properties"]["security-severity"]):
                    rule["properties"]["security-severity"] = f"{c.security_severity(f):.1f}"
                    rule["defaultConfiguration"]["level"] = _LEVEL[f.severity]
            results.append(self._result(f, rid, index[rid], result, pkgs))
        t = result.target
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "bastion",
                    "fullName": "bastion security scanner",
                    "version": result.bastion_version,
                    "semanticVersion": result.bastion_version,
                    "informationUri": INFO_URI,
                    "rules": rules,
                }
            },
            "results": results,
            "columnKind": "utf16CodeUnits",
            "originalUriBaseIds": {"ROOTPATH": {"uri": "file:///"}},
            "properties": {"target": t.ref, "targetKind": t.kind.value},
        }
        if t.digest:
            run["properties"]["digest"] = t.digest
        if result.verdict is not None:
            run["properties"]["gate"] = {
                "outcome": result.verdict.outcome,
                "failedRules": list(result.verdict.failed_rules),
            }
        if result.errors:
            run["invocations"] = [
                {
                    "executionSuccessful": True,
                    "toolExecutionNotifications": [
                        {
                            "level": "warning",
                            "message": {"text": e.message},
                            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(e.path)}}}],
                        }
                        for e in result.errors
                    ],
                }
            ]
        return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}

    def _rule(self, rid: str, f: Finding) -> dict[str, Any]:
        tags = ["security", f.kind.value, f.severity.value.upper()]
        help_lines = [f.title]
        if f.description:
            help_lines.append(f.description)
        if f.fixed_versions:
            help_lines.append("Fixed in: " + ", ".join(f.fixed_versions))
        help_md = "\n\n".join(help_lines)
        if f.references:
            help_md += "\n\n" + "\n".join(f"- <{r}>" for r in f.references[:10])
        rule: dict[str, Any] = {
            "id": rid,
            "name": "".join(part.capitalize() for part in f.kind.value.split("_")) + "Finding",
            "shortDescription": {"text": f.title or rid},
            "fullDescription": {"text": (f.description or f.title or rid)[:4000]},
            "defaultConfiguration": {"level": _LEVEL[f.severity]},
            "help": {"text": "\n\n".join(help_lines), "markdown": help_md},
            "properties": {
                "tags": tags,
                "precision": "very-high",
                "security-severity": f"{c.security_severity(f):.1f}",
            },
        }
        if f.references:
            rule["helpUri"] = f.references[0]
        return rule

    def _result(
        self, f: Finding, rid: str, idx: int, result: ScanResult, pkgs: dict[str, Any]
    ) -> dict[str, Any]:
        path = c.finding_path(f, pkgs)
        pkg = c.package_name(f, pkgs)
        if f.kind is FindingKind.VULNERABILITY:
            text = f"{f.id}: {pkg} {f.installed_version or ''}".rstrip()
            text += f" ({f.severity.value})"
            if f.fixed_versions:
                text += f", fixed in {', '.join(f.fixed_versions)}"
            text += f". {f.title}" if f.title else ""
        else:
            text = f.title or f.id
        region: dict[str, Any] = {"startLine": max(1, f.location.line or 1) if f.location else 1}
        if f.location is not None and f.location.end_line and f.location.end_line >= region["startLine"]:
            region["endLine"] = f.location.end_line
        physical: dict[str, Any] = {
            "artifactLocation": {"uri": _uri(path or result.target.name or result.target.ref)},
            "region": region,
        }
        location: dict[str, Any] = {"physicalLocation": physical}
        if f.location is not None and f.location.resource:
            location["logicalLocations"] = [{"fullyQualifiedName": f.location.resource, "kind": "resource"}]
        res: dict[str, Any] = {
            "ruleId": rid,
            "ruleIndex": idx,
            "kind": "fail",
            "level": _LEVEL[f.severity],
            "message": {"text": text},
            "locations": [location],
            "partialFingerprints": {"bastion/v1": f.fingerprint},
            "properties": {
                "severity": f.severity.value,
                "security-severity": f"{c.security_severity(f):.1f}",
            },
        }
        if f.package:
            res["properties"]["package"] = f.package
        if f.known_exploited:
            res["properties"]["knownExploited"] = True
        if f.suppressed is not None:
            s = f.suppressed
            res["suppressions"] = [
                {
                    "kind": "external",
                    "status": "accepted",
                    "justification": f"{s.by}: {s.reason}" + (f" (ref {s.ref})" if s.ref else ""),
                }
            ]
        return res
