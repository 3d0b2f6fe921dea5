"""OSV data dumps: one ``all.zip`` per ecosystem (https://google.github.io/osv.dev/data/).

Official location: ``https://osv-vulnerabilities.storage.googleapis.com/<Ecosystem>/all.zip``; in a
mirror: ``osv/<Ecosystem>/all.zip``. Each ecosystem is its own database source (``osv:PyPI``), so a
record that the dump places in two ecosystems (a GHSA naming npm and Maven packages) is stored twice
and merged again by id at detection time.

Incremental: a zip whose sha256 equals the one imported last time is not read again (online, the
ETag makes the server answer 304 instead); inside a changed zip, a record whose normalised content
is unchanged is not rewritten, and records that disappeared are removed. (Record ``modified`` times
cannot be used for this: the Go database ships ``0001-01-01T00:00:00Z`` for every record.)
"""

from __future__ import annotations

from typing import ClassVar

from bastion.vulndb.base import IngestReport
from bastion.vulndb.ingest import stored_osv_zip
from bastion.vulndb.sources.base import SourceResult, UpdateContext

__all__ = ["DEFAULT_ECOSYSTEMS", "OFFICIAL", "OsvSource"]

OFFICIAL = "https://osv-vulnerabilities.storage.googleapis.com"
#: Ecosystems fetched from the official bucket when the configuration does not say otherwise.
DEFAULT_ECOSYSTEMS: tuple[str, ...] = (
    "PyPI",
    "npm",
    "Go",
    "crates.io",
    "Maven",
    "RubyGems",
    "Packagist",
    "NuGet",
    "Pub",
    "Hex",
    "Alpine",
    "Debian",
)


class OsvSource:
    name: ClassVar[str] = "osv"
    kind: ClassVar[str] = "osv"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        configured = ctx.settings.get("osv.ecosystems")
        listed = ctx.fetcher.list_dir("osv")
        if isinstance(configured, list | tuple) and configured:
            ecosystems = [str(e) for e in configured]
        elif listed is not None:
            ecosystems = listed
        else:
            ecosystems = list(DEFAULT_ECOSYSTEMS)
        results = []
        for eco in ecosystems:
            results.append(self._one(ctx, eco))
        if not ecosystems:
            results.append(
                SourceResult(
                    "osv", "not available", f"no osv/<Ecosystem>/all.zip under {ctx.fetcher.describe()}"
                )
            )
        return results

    def _one(self, ctx: UpdateContext, eco: str) -> SourceResult:
        name = f"osv:{eco}"
        builder = ctx.builder
        rel = f"osv/{eco}/all.zip"
        fetched = ctx.fetch_changed(name, rel, f"{OFFICIAL}/{eco}/all.zip")
        if isinstance(fetched, SourceResult):
            return fetched
        ctx.log(f"importing {fetched.location}")
        report = IngestReport(name)
        builder.replace_source(name, stored_osv_zip(fetched.path, name, report), report)
        builder.set_source(
            name,
            kind=self.kind,
            records=builder.count(name),
            revision=fetched.sha256[:16],
            location=fetched.location,
            skipped=len(report.skipped),
            data_date=builder.newest_modified(name),
            detail={"imported": report.imported, "unchanged": report.unchanged, "removed": report.removed},
        )
        builder.set_fetch_state(
            name, rel, sha256=fetched.sha256, etag=fetched.etag, last_modified=fetched.last_modified
        )
        return SourceResult(name, "updated", report=report)
