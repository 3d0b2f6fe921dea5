"""JUnit XML: one test suite per finding kind, one test case per finding, plus a ``policy gate`` suite.

With a verdict, a finding that breaks the policy is a ``<failure>`` (type = the rule), a suppressed one
is ``<skipped>`` (message = why), and any other finding is a passing test case (its details in
``<system-out>``). Without a verdict every unsuppressed finding is a failure. The gate suite has one
test case that fails when the gate failed, so CI dashboards (Jenkins, GitLab) show the gate itself.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import ClassVar, TextIO

from bastion.model import Finding, ScanResult
from bastion.reports import _common as c


def _details(f: Finding, location: str) -> str:
    lines = [f"{f.id} [{f.severity.value}] {f.title}"]
    if f.aliases:
        lines.append("aliases: " + ", ".join(f.aliases))
    if f.package:
        lines.append(f"package: {f.package}")
    if f.installed_version:
        lines.append(f"installed: {f.installed_version}")
    if f.fixed_versions:
        lines.append("fixed in: " + ", ".join(f.fixed_versions))
    if location:
        lines.append(f"location: {location}")
    if f.known_exploited:
        lines.append("known exploited: yes")
    lines.append(f"fingerprint: {f.fingerprint}")
    lines.extend(f"reference: {r}" for r in f.references[:5])
    return "\n".join(lines)


class JUnitReporter:
    name: ClassVar[str] = "junit"
    media_type: ClassVar[str] = "application/xml"

    def render(self, result: ScanResult, out: TextIO) -> None:
        root = self.tree(result)
        ET.indent(root)
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        out.write(ET.tostring(root, encoding="unicode"))
        out.write("\n")

    def tree(self, result: ScanResult) -> ET.Element:
        pkgs = c.packages_by_id(result)
        status = c.statuses(result)
        stamp = result.provenance.started.isoformat(timespec="seconds") if result.provenance.started else None
        target = c.target_label(result)
        root = ET.Element("testsuites", name=f"bastion {target}")
        totals = {"tests": 0, "failures": 0, "skipped": 0}
        suites: list[ET.Element] = []
        verdict = result.verdict
        if verdict is not None:
            suite = ET.Element("testsuite", name=f"{target} / policy gate")
            case = ET.SubElement(suite, "testcase", classname="bastion.gate", name="policy gate")
            failures = 0
            if not verdict.passed:
                failures = 1
                fail = ET.SubElement(
                    case,
                    "failure",
                    message=f"{len(verdict.violations)} finding(s) break the policy",
                    type=",".join(verdict.failed_rules),
                )
                fail.text = "\n".join(f"[{v.rule}] {v.message}" for v in verdict.violations)
            notes = [f"outcome: {verdict.outcome}"]
            notes += [f"expired waiver: {w.id} ({w.expires})" for w in verdict.expired_waivers]
            notes += [f"unused waiver: {w.id}" for w in verdict.unused_waivers]
            ET.SubElement(case, "system-out").text = "\n".join(notes)
            self._count(suite, 1, failures, 0, stamp)
            suites.append(suite)
        for kind in c.KINDS:
            items = [f for f in result.findings if f.kind is kind]
            if not items:
                continue
            suite = ET.Element("testsuite", name=f"{target} / {c.KIND_TITLES[kind].lower()}")
            failures = skipped = 0
            for f in items:
                location = c.location_text(f, pkgs)
                pkg = c.package_name(f, pkgs)
                case_name = (
                    f"{f.id} {pkg} {f.installed_version or ''}".strip()
                    if pkg
                    else f"{f.id} {location}".strip()
                )
                case = ET.SubElement(
                    suite,
                    "testcase",
                    classname=f"bastion.{kind.value}",
                    name=case_name,
                    file=location.split(":")[0] or target,
                )
                st = status.get(f.fingerprint)
                details = _details(f, location)
                if f.suppressed is not None:
                    skipped += 1
                    ET.SubElement(
                        case, "skipped", message=f"suppressed by {f.suppressed.by}: {f.suppressed.reason}"
                    )
                    ET.SubElement(case, "system-out").text = details
                elif st is None or st.state == "violation":
                    failures += 1
                    fail = ET.SubElement(
                        case,
                        "failure",
                        message=(st.message if st and st.message else f"{f.id}: {f.title}"),
                        type=(st.rule if st and st.rule else kind.value),
                    )
                    fail.text = details
                else:
                    ET.SubElement(case, "system-out").text = details + "\n(does not break the policy)"
            self._count(suite, len(items), failures, skipped, stamp)
            suites.append(suite)
        for suite in suites:
            totals["tests"] += int(suite.get("tests", "0"))
            totals["failures"] += int(suite.get("failures", "0"))
            totals["skipped"] += int(suite.get("skipped", "0"))
            root.append(suite)
        for key, value in totals.items():
            root.set(key, str(value))
        root.set("errors", "0")
        return root

    @staticmethod
    def _count(suite: ET.Element, tests: int, failures: int, skipped: int, stamp: str | None) -> None:
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        if stamp:
            suite.set("timestamp", stamp)
