"""``bastion db update|status|import`` — manage the local vulnerability database.

Thin shell over :mod:`bastion.vulndb.update` and :mod:`bastion.vulndb.store`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from bastion.vulndb.base import DbError
from bastion.vulndb.config import load_config
from bastion.vulndb.open import age_days
from bastion.vulndb.sources import SOURCES
from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import UpdateSummary, import_files, update_db

app = typer.Typer(help="Manage the vulnerability database.", no_args_is_help=True)

DbOpt = Annotated[
    Path | None,
    typer.Option("--db", envvar="BASTION_DB", help="Database file (default: <cache dir>/db/vuln.db)."),
]
CacheOpt = Annotated[
    Path | None, typer.Option("--cache-dir", envvar="BASTION_CACHE_DIR", help="Cache directory.")
]


def _console(*, stderr: bool = False) -> Console:
    """Full-width tables when the output is a file or a pipe (no terminal to fit)."""
    probe = Console(stderr=stderr)
    return Console(stderr=stderr, highlight=False, width=None if probe.is_terminal else 200)


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


def _report(summary: UpdateSummary, err: Console, out: Console, verbose: bool) -> None:
    table = Table(title=f"Database {summary.path}", title_justify="left")
    for col in ("Source", "Status", "Read", "Imported", "Unchanged", "Removed", "Skipped", "Note"):
        table.add_column(col)
    for r in summary.results:
        rep = r.report
        table.add_row(
            r.name,
            r.status,
            *(
                str(x)
                for x in (
                    (rep.read, rep.imported, rep.unchanged, rep.removed, len(rep.skipped))
                    if rep
                    else ("",) * 5
                )
            ),
            r.message,
        )
    out.print(table)
    skipped = [s for r in summary.results if r.report for s in r.report.skipped]
    if skipped:
        err.print(f"[yellow]{len(skipped)} record(s) skipped[/] (malformed or unusable as published):")
        for s in skipped if verbose else skipped[:10]:
            err.print(f"  {s.where}: {s.reason}", markup=False)
        if not verbose and len(skipped) > 10:
            err.print(f"  … and {len(skipped) - 10} more (use --verbose)")
    changed = (
        "unchanged"
        if summary.previous_revision == summary.revision
        else f"was {summary.previous_revision or 'none'}"
    )
    out.print(f"revision {summary.revision} ({changed}) in {summary.seconds:.1f} s")


@app.command("update")
def update_cmd(
    from_: Annotated[
        str | None,
        typer.Option(
            "--from", help="Mirror directory or URL laid out as osv/<Ecosystem>/all.zip, alpine/…, kev/…"
        ),
    ] = None,
    source: Annotated[
        list[str] | None,
        typer.Option(
            "--source", help=f"Sources to update (repeatable or comma-separated): {', '.join(SOURCES)}."
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Re-import files even when unchanged since the last update.")
    ] = False,
    offline: Annotated[
        bool, typer.Option("--offline", help="Never use the network (only --from DIR works).")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every skipped record.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress messages.")] = False,
    db: DbOpt = None,
    cache_dir: CacheOpt = None,
) -> int:
    """Build or refresh the database atomically (the old one stays in place if anything fails)."""
    cfg = load_config(cache_dir=cache_dir, db=db, mirror=from_, offline=offline)
    err = _console(stderr=True)
    out = _console()
    log = (lambda _m: None) if quiet else (lambda m: err.print(m, markup=False, style="dim"))
    summary = update_db(
        cfg.path,
        sources=_split(source) or cfg.sources,
        mirror=cfg.mirror,
        offline=cfg.offline,
        force=force,
        settings=cfg.settings(),
        timeout=cfg.timeout,
        log=log,
    )
    _report(summary, err, out, verbose)
    return 0


@app.command("import")
def import_cmd(
    files: Annotated[
        list[Path], typer.Argument(help="OSV JSON files (one record or an array) or zips of them.")
    ],
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="List every skipped record.")] = False,
    db: DbOpt = None,
    cache_dir: CacheOpt = None,
) -> int:
    """Add OSV records from local files (kept across updates, as source ``import``)."""
    cfg = load_config(cache_dir=cache_dir, db=db)
    for f in files:
        if not f.is_file():
            raise DbError(f"{f}: no such file")
    err = _console(stderr=True)
    summary = import_files(cfg.path, files, log=lambda m: err.print(m, markup=False, style="dim"))
    _report(summary, err, _console(), verbose)
    return 0


@app.command("status")
def status_cmd(db: DbOpt = None, cache_dir: CacheOpt = None) -> int:
    """Show each source with its record count and age."""
    cfg = load_config(cache_dir=cache_dir, db=db)
    out = _console()
    if not cfg.path.exists():
        out.print(f"no database at {cfg.path}; run `bastion db update` (scans install the bundled snapshot)")
        return 1
    now = datetime.now(UTC)
    with SqliteStore(cfg.path) as store:
        counts = store.counts()
        age = age_days(store, now)
        out.print(f"Database  {cfg.path}")
        out.print(
            f"Revision  {store.revision()}  (schema {store.meta().get('schema_version')}, from {store.meta().get('origin', 'update')})"
        )
        out.print(f"Built     {store.built}" + (f"  ({age:.1f} days ago)" if age is not None else ""))
        out.print(
            f"Contents  {counts['advisories']} advisories ({counts['withdrawn']} withdrawn kept), "
            f"{counts['packages']} package names, {counts['kev']} KEV entries, {counts['epss']} EPSS scores"
        )
        table = Table(title="Sources", title_justify="left")
        for col in ("Source", "Kind", "Records", "Skipped", "Updated", "Data as of", "Location"):
            table.add_column(col, overflow="fold")
        for s in store.sources():
            table.add_row(
                s.name,
                s.kind,
                str(s.records),
                str(s.skipped),
                s.updated or "",
                s.data_date or "",
                s.location or "",
            )
        out.print(table)
        if age is not None and age > cfg.max_age_days:
            out.print(f"[yellow]data is {age:.0f} days old[/]: run `bastion db update`")
    return 0
