"""CISA Known Exploited Vulnerabilities catalog: the known-exploited flag and the remediation due date.

Official: https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json;
mirror: ``kev/known_exploited_vulnerabilities.json``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, ClassVar

from bastion.fs.parsing import ParseError, load_json
from bastion.vulndb.base import FetchError, IngestReport, KevEntry
from bastion.vulndb.sources.base import SourceResult, UpdateContext

__all__ = ["OFFICIAL", "KevSource", "parse_kev"]

OFFICIAL = "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
_CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def parse_kev(data: bytes, where: str, report: IngestReport) -> tuple[list[KevEntry], dict[str, Any]]:
    """(entries, catalog header). Entries without a valid CVE id are skipped and counted."""
    try:
        doc = load_json(data, where)
    except ParseError as exc:
        raise FetchError(exc.message) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("vulnerabilities"), list):
        raise FetchError(f"{where}: not a KEV catalog (expected an object with a 'vulnerabilities' list)")
    out: list[KevEntry] = []
    for i, item in enumerate(doc["vulnerabilities"]):
        report.read += 1
        cve = str(item.get("cveID", "")).strip() if isinstance(item, dict) else ""
        if not _CVE.fullmatch(cve):
            report.skip(f"{where}[{i}]", f"no valid cveID ({cve!r})")
            continue
        ransomware = str(item.get("knownRansomwareCampaignUse", "")).strip().lower()
        out.append(
            KevEntry(
                cve=cve,
                date_added=str(item.get("dateAdded", "")),
                due_date=str(item["dueDate"]) if item.get("dueDate") else None,
                ransomware=True if ransomware == "known" else False if ransomware == "unknown" else None,
                name=str(item.get("vulnerabilityName", "")),
            )
        )
        report.imported += 1
    header = {k: v for k, v in doc.items() if k != "vulnerabilities"}
    return out, header


class KevSource:
    name: ClassVar[str] = "kev"
    kind: ClassVar[str] = "kev"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        rel = "kev/known_exploited_vulnerabilities.json"
        fetched = ctx.fetch_changed(self.name, rel, OFFICIAL)
        if isinstance(fetched, SourceResult):
            return [fetched]
        report = IngestReport(self.name)
        entries, header = parse_kev(Path(fetched.path).read_bytes(), fetched.location, report)
        count = ctx.builder.replace_kev(entries)
        ctx.builder.set_source(
            self.name,
            kind=self.kind,
            records=count,
            revision=str(header.get("catalogVersion") or fetched.sha256[:16]),
            location=fetched.location,
            skipped=len(report.skipped),
            data_date=str(header.get("dateReleased") or "") or None,
        )
        ctx.builder.set_fetch_state(
            self.name, rel, sha256=fetched.sha256, etag=fetched.etag, last_modified=fetched.last_modified
        )
        return [SourceResult(self.name, "updated", report=report)]
