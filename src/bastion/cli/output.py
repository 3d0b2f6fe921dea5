"""Where reports go (``--format F`` to stdout, ``--output FILE``, several ``--output NAME=FILE``), and the
gate's reasons, printed last on stderr."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from bastion.errors import UsageError
from bastion.model import ScanResult, Verdict
from bastion.policy.model import Policy
from bastion.reports import registry
from bastion.reports.base import ReportOptions

__all__ = ["ReportOptions", "parse_outputs", "print_verdict", "write_atomic", "write_reports"]

MAX_REASONS = 20


def parse_outputs(fmt: str, outputs: list[str]) -> list[tuple[str, Path | None]]:
    """(format, file or None for stdout) pairs; validates format names early."""
    pairs: list[tuple[str, Path | None]] = []
    plain: list[Path] = []
    for item in outputs:
        name, sep, dest = item.partition("=")
        if sep and name in registry.FORMATS:
            if not dest:
                raise UsageError(f"--output {item}: missing file name after '='")
            pairs.append((name, Path(dest)))
        else:
            plain.append(Path(item))
    if len(plain) > 1:
        raise UsageError("--output: give one FILE for --format, and NAME=FILE for the others")
    registry.get(fmt)  # raises on unknown names
    if plain:
        pairs.insert(0, (fmt, plain[0]))
    elif not pairs:
        pairs.append((fmt, None))
    return pairs


def write_reports(
    result: ScanResult, outputs: list[tuple[str, Path | None]], options: ReportOptions | None = None
) -> None:
    options = options or ReportOptions()
    for name, dest in outputs:
        reporter = registry.get(name, options)
        if dest is None:
            reporter.render(result, sys.stdout)
            sys.stdout.flush()
            continue
        write_atomic(dest, lambda fh, r=reporter: r.render(result, fh))  # type: ignore[misc]


def write_atomic(dest: Path, render: Callable[[TextIO], None]) -> None:
    """Write a report through a temporary file, so a failed render never leaves half a file behind."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".tmp")
    try:
        # backslashreplace: a file name that is not UTF-8 is written as \udcXX (in JSON, an escape that
        # reads back to the same name) instead of aborting the report.
        with tmp.open("w", encoding="utf-8", errors="backslashreplace", newline="\n") as fh:
            render(fh)
        tmp.replace(dest)
    finally:
        tmp.unlink(missing_ok=True)


def print_verdict(err: Console, verdict: Verdict | None, policy: Policy, *, quiet: bool = False) -> None:
    """The gate's outcome and reasons. Failures are always printed; the rest is skipped with --quiet."""
    if verdict is None:
        return
    where = f" (policy: {policy.source})"
    if not verdict.passed:
        rules = ", ".join(verdict.failed_rules)
        err.print(
            f"[bold red]gate failed[/]{escape(where)}: {len(verdict.violations)} finding(s) break the policy "
            f"({escape(rules)})",
            soft_wrap=True,
        )
        for v in verdict.violations[:MAX_REASONS]:
            err.print(f"  [red]x[/] {escape(f'[{v.rule}]')} {escape(v.message)}", soft_wrap=True)
        if len(verdict.violations) > MAX_REASONS:
            err.print(f"  … and {len(verdict.violations) - MAX_REASONS} more (see the report)")
    if quiet:
        return
    for w in verdict.expired_waivers:
        counted = f"; {len(w.matched)} finding(s) count again" if w.matched else ""
        err.print(
            f"[yellow]warning:[/] waiver {escape(w.id)} expired on {w.expires} (owner: {escape(w.owner or '?')}){counted}",
            soft_wrap=True,
        )
    for w in verdict.unused_waivers:
        err.print(
            f"[yellow]warning:[/] waiver {escape(w.id)} matched no finding (unused; owner: {escape(w.owner or '?')})",
            soft_wrap=True,
        )
    if verdict.passed:
        if verdict.outcome == "warn":
            err.print(f"[yellow]gate passed with warnings[/]{escape(where)}", soft_wrap=True)
        else:
            err.print(f"[green]gate passed[/]{escape(where)}", soft_wrap=True)
