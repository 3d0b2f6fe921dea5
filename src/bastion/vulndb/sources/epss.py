"""FIRST EPSS scores (probability of exploitation in the next 30 days) and percentiles.

Official: https://epss.empiricalsecurity.com/epss_scores-current.csv.gz; mirror:
``epss/epss_scores-current.csv.gz`` (or ``.csv``). The file starts with a ``#model_version:…,
score_date:…`` comment, then ``cve,epss,percentile`` rows. Optional: when no file is available the
source reports "not available" and findings carry no EPSS values.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from pathlib import Path
from typing import ClassVar

from bastion.vulndb.base import FetchError, IngestReport
from bastion.vulndb.sources.base import SourceResult, UpdateContext

__all__ = ["OFFICIAL", "EpssSource", "parse_epss"]

OFFICIAL = "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
_CVE = re.compile(r"CVE-\d{4}-\d{4,}")


def parse_epss(
    data: bytes, where: str, report: IngestReport
) -> tuple[list[tuple[str, float, float]], str | None]:
    """(rows, score date). Rows that are not ``CVE, 0..1, 0..1`` are skipped and counted."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as exc:
            raise FetchError(f"{where}: damaged gzip ({exc})", hint="the download may be truncated") from None
    text = data.decode("utf-8", "replace")
    score_date = None
    lines = text.splitlines()
    if lines and lines[0].startswith("#"):
        m = re.search(r"score_date:([0-9T:\-+.Z]+)", lines[0])
        score_date = m.group(1) if m else None
        lines = lines[1:]
    rows: list[tuple[str, float, float]] = []
    reader = csv.reader(io.StringIO("\n".join(lines)))
    header = next(reader, None)
    if header is None or [h.strip().lower() for h in header[:3]] != ["cve", "epss", "percentile"]:
        raise FetchError(f"{where}: not an EPSS CSV (expected the header cve,epss,percentile)")
    for i, row in enumerate(reader, start=2):
        report.read += 1
        try:
            cve, score, pct = row[0].strip(), float(row[1]), float(row[2])
        except (IndexError, ValueError):
            report.skip(f"{where}:{i}", "malformed row")
            continue
        if not _CVE.fullmatch(cve) or not (0.0 <= score <= 1.0 and 0.0 <= pct <= 1.0):
            report.skip(f"{where}:{i}", f"invalid values for {cve!r}")
            continue
        rows.append((cve, score, pct))
        report.imported += 1
    return rows, score_date


class EpssSource:
    name: ClassVar[str] = "epss"
    kind: ClassVar[str] = "epss"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        known = ctx.builder.fetch_state(self.name, "epss")
        fetched = None
        for rel in ("epss/epss_scores-current.csv.gz", "epss/epss_scores-current.csv"):
            fetched = ctx.fetcher.fetch(
                rel, OFFICIAL if rel.endswith(".gz") else None, known=None if ctx.force else known
            )
            if fetched is not None:
                break
        if fetched is None:
            if known is not None and not ctx.fetcher.is_mirror:
                return [SourceResult(self.name, "unchanged", "not modified since the last update")]
            return [SourceResult(self.name, "not available", f"no EPSS file at {ctx.fetcher.describe()}")]
        if ctx.same_as_last(self.name, known, fetched.sha256):
            return [SourceResult(self.name, "unchanged", "same file as the last update")]
        report = IngestReport(self.name)
        rows, score_date = parse_epss(Path(fetched.path).read_bytes(), fetched.location, report)
        count = ctx.builder.replace_epss(rows)
        ctx.builder.set_source(
            self.name,
            kind=self.kind,
            records=count,
            revision=score_date or fetched.sha256[:16],
            location=fetched.location,
            skipped=len(report.skipped),
            data_date=score_date,
        )
        ctx.builder.set_fetch_state(
            self.name, "epss", sha256=fetched.sha256, etag=fetched.etag, last_modified=fetched.last_modified
        )
        return [SourceResult(self.name, "updated", report=report)]
