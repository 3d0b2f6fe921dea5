"""The Debian security tracker's JSON export: per source package, per CVE, per release.

Official: https://security-tracker.debian.org/tracker/data/json; mirror: every ``debian/*.json`` or
``debian/*.json.gz`` file (a URL mirror is asked for ``debian/security-tracker.json.gz``).

Format: ``{source_package: {CVE: {description, releases: {codename: {status, fixed_version, urgency,
repositories, nodsa, nodsa_reason}}}}}``. Each (package, CVE, release) becomes one ``affected`` entry
of an advisory with the CVE's id, ecosystem ``Debian:<number>`` (``bookworm`` → ``Debian:12``,
``sid`` → ``Debian:sid``), the *source* package name, and:

- ``resolved`` with ``fixed_version`` "0": the release was never affected → no entry (counted);
- ``resolved`` with a version: introduced 0, fixed <version>; fix state ``fixed``;
- ``open`` (the tracker's ``<unfixed>``): introduced 0, no fix; fix state ``wont_fix`` when Debian
  decided not to fix it (``nodsa_reason`` "ignored", urgency ``end-of-life``, or urgency
  ``unimportant``), else ``not_fixed`` (``postponed`` included: a fix is expected later);
- ``undetermined``: introduced 0, no fix, fix state ``unknown``.

The urgency (``low``, ``medium``, ``high``, ``unimportant``, ``not yet assigned``, ``end-of-life``,
with the tracker's ``*`` markers) is kept on the entry and is the distro severity of the finding.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from bastion.fs.limits import Limits
from bastion.fs.parsing import ParseError, load_json
from bastion.inventory.ospkg.distro import DEBIAN_CODENAMES
from bastion.vulndb.base import (
    Advisory,
    Affected,
    Event,
    FetchError,
    FixState,
    IngestReport,
    Range,
    SeverityScore,
)
from bastion.vulndb.sources.base import SourceResult, UpdateContext

__all__ = ["CODENAMES", "OFFICIAL", "DebianTrackerSource", "parse_tracker"]

OFFICIAL = "https://security-tracker.debian.org/tracker/data/json"
SOURCE = "debian-tracker"
#: Debian codenames → the numeric release OSV uses (distro-info-data debian.csv).
#: Tracker release names → the release part of the OSV ecosystem (``bookworm`` → ``Debian:12``); the
#: numbered releases come from the one Debian codename table (inventory.ospkg.distro).
CODENAMES: dict[str, str] = {**DEBIAN_CODENAMES, "sid": "sid"}
_ID = re.compile(r"(CVE-\d{4}-\d{4,}|TEMP-\d+-[0-9A-F]+|DSA-\d+-\d+|DLA-\d+-\d+)")
# The whole tracker export is ~70 MB of JSON.
_LIMITS = Limits(max_parse_bytes=1024 * 1024 * 1024)


def release_ecosystem(codename: str) -> str:
    return f"Debian:{CODENAMES.get(codename.lower(), codename.lower())}"


def _fix_state(status: str, urgency: str, nodsa_reason: str) -> FixState:
    if status == "resolved":
        return "fixed"
    if status == "undetermined":
        return "unknown"
    u = urgency.strip("*").strip().lower()
    if nodsa_reason == "ignored" or u in ("end-of-life", "unimportant"):
        return "wont_fix"
    return "not_fixed"


def parse_tracker(data: bytes, where: str, report: IngestReport) -> Iterator[Advisory]:
    """Advisories (one per CVE) from one tracker JSON document (plain or gzip)."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FetchError(f"{where}: damaged gzip ({exc})", hint="the download may be truncated") from None
    try:
        doc = load_json(data, where, _LIMITS)
    except ParseError as exc:
        raise FetchError(exc.message) from None
    if not isinstance(doc, dict):
        raise FetchError(f"{where}: not a Debian tracker export (expected an object keyed by source package)")
    by_cve: dict[str, dict[str, Any]] = {}
    for package, cves in doc.items():
        if not isinstance(cves, dict):
            report.skip(f"{where}:{package}", "package entry is not an object")
            continue
        for cve, info in cves.items():
            report.read += 1
            if not _ID.fullmatch(cve) or not isinstance(info, dict):
                report.skip(f"{where}:{package}/{cve}", "not a CVE/TEMP id with an object value")
                continue
            releases = info.get("releases")
            if not isinstance(releases, dict):
                report.skip(f"{where}:{package}/{cve}", "no releases object")
                continue
            slot = by_cve.setdefault(cve, {"description": "", "affected": []})
            if info.get("description") and not slot["description"]:
                slot["description"] = str(info["description"])
            for codename, rel in releases.items():
                if not isinstance(rel, dict):
                    report.skip(f"{where}:{package}/{cve}/{codename}", "release entry is not an object")
                    continue
                status = str(rel.get("status", "")).strip().lower()
                fixed = rel.get("fixed_version")
                fixed = str(fixed).strip() if fixed is not None else None
                urgency = str(rel.get("urgency", "")).strip()
                if status == "resolved" and fixed == "0":
                    continue  # never affected in this release
                if status == "resolved" and not fixed:
                    report.skip(f"{where}:{package}/{cve}/{codename}", "resolved without a fixed_version")
                    continue
                if status not in ("resolved", "open", "undetermined"):
                    report.skip(f"{where}:{package}/{cve}/{codename}", f"unknown status {status!r}")
                    continue
                events = [Event("introduced", "0")]
                if status == "resolved" and fixed:
                    events.append(Event("fixed", fixed))
                eco = release_ecosystem(codename)
                sev = (SeverityScore("distro", urgency, "debian"),) if urgency else ()
                slot["affected"].append(
                    Affected(
                        ecosystem=eco,
                        name=package,
                        key=package,
                        ranges=(Range("ECOSYSTEM", tuple(events)),),
                        severity=sev,
                        fix_state=_fix_state(
                            status, urgency, str(rel.get("nodsa_reason", "")).strip().lower()
                        ),
                        urgency=urgency or None,
                    )
                )
    for cve, slot in sorted(by_cve.items()):
        if not slot["affected"]:
            continue  # no release is affected
        desc: str = slot["description"]
        yield Advisory(
            id=cve,
            source=SOURCE,
            modified="",
            aliases=(),
            summary=desc.split("\n", 1)[0][:200],
            details=desc,
            references=(f"https://security-tracker.debian.org/tracker/{cve}",),
            affected=tuple(slot["affected"]),
        )


class DebianTrackerSource:
    name: ClassVar[str] = "debian"
    kind: ClassVar[str] = "debian-tracker"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        listed = ctx.fetcher.list_dir("debian")
        if listed is not None:
            rels = [f"debian/{n}" for n in listed if n.endswith((".json", ".json.gz"))]
        else:
            rels = ["debian/security-tracker.json.gz"]
        fetched = [
            (rel, f)
            for rel in rels
            if (f := ctx.fetcher.fetch(rel, OFFICIAL if not ctx.fetcher.is_mirror else None)) is not None
        ]
        if not ctx.fetcher.is_mirror and not fetched:
            got = ctx.fetcher.fetch("debian/security-tracker.json", OFFICIAL)
            if got is not None:
                fetched.append(("debian/security-tracker.json", got))
        if not fetched:
            return [
                SourceResult(SOURCE, "not available", f"no Debian tracker JSON at {ctx.fetcher.describe()}")
            ]
        digest = ",".join(f.sha256[:16] for _, f in fetched)
        known = ctx.builder.fetch_state(SOURCE, "debian")
        if ctx.same_as_last(SOURCE, known, digest):
            return [SourceResult(SOURCE, "unchanged", "same files as the last update")]
        report = IngestReport(SOURCE)

        def all_advisories() -> Iterator[Advisory]:
            for _rel, f in fetched:
                ctx.log(f"importing {f.location}")
                yield from parse_tracker(Path(f.path).read_bytes(), f.location, report)

        ctx.builder.replace_source(SOURCE, all_advisories(), report)
        ctx.builder.set_source(
            SOURCE,
            kind=self.kind,
            records=ctx.builder.count(SOURCE),
            revision=digest[:16],
            location=", ".join(f.location for _, f in fetched),
            skipped=len(report.skipped),
        )
        ctx.builder.set_fetch_state(SOURCE, "debian", sha256=digest)
        return [SourceResult(SOURCE, "updated", report=report)]
