"""Human-readable report with Rich: the target, summary counts, then findings grouped by target and kind.

Colours are off when the output is not a terminal or NO_COLOR is set. ``--list-packages`` adds the
inventory. The gate's verdict is *not* printed here: the CLI prints it last, on stderr.
"""

from __future__ import annotations

import os
from collections import defaultdict
from typing import ClassVar, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bastion.model import Finding, FindingKind, Package, ScanResult, Severity
from bastion.reports import _common as c
from bastion.reports.base import ReportOptions

SEVERITY_STYLE = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.UNKNOWN: "dim",
}


def _human(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"  # pragma: no cover


def _group(f: Finding, pkgs: dict[str, Package]) -> str:
    """The sub-target a finding belongs to: its package's file (lockfile, layer path) or its own file."""
    return c.finding_path(f, pkgs) or "(target)"


class TableReporter:
    name: ClassVar[str] = "table"
    media_type: ClassVar[str] = "text/plain"

    def __init__(self) -> None:
        self.list_packages = False

    def configure(self, options: ReportOptions) -> None:
        self.list_packages = options.list_packages

    def render(self, result: ScanResult, out: TextIO) -> None:
        isatty = hasattr(out, "isatty") and out.isatty()
        color = isatty and not os.environ.get("NO_COLOR")
        console = Console(
            file=out,
            force_terminal=color,
            no_color=not color,
            color_system="auto" if color else None,
            width=None if isatty else 160,
            highlight=False,
            emoji=False,
        )
        pkgs = c.packages_by_id(result)
        status = c.statuses(result)
        self._header(console, result)
        self._summary(console, result)
        if self.list_packages and result.packages:
            pt = Table(title=f"Packages ({len(result.packages)})", title_justify="left")
            for col in ("Name", "Version", "Ecosystem", "Path"):
                pt.add_column(col, overflow="fold")
            for p in sorted(result.packages, key=lambda p: (p.path or "", p.name.lower(), p.version)):
                pt.add_row(p.name, p.version or "(unpinned)", p.ecosystem.value, p.path or "")
            console.print(pt)
            console.print()
        groups: dict[str, list[Finding]] = defaultdict(list)
        for f in result.findings:
            groups[_group(f, pkgs)].append(f)
        for group in sorted(groups, key=lambda g: (g == "(target)", g)):
            for kind in c.KINDS:
                items = [f for f in groups[group] if f.kind is kind]
                if items:
                    self._findings(console, group, kind, items, pkgs, status)
        if not result.findings:
            console.print("No findings.")
        if result.errors:
            console.print(
                f"[yellow]{len(result.errors)} part(s) of the target could not be fully scanned[/]: "
                + "; ".join(f"{e.path}: {e.message}" for e in result.errors[:3])
                + (" …" if len(result.errors) > 3 else ""),
                soft_wrap=True,
            )

    @staticmethod
    def _header(console: Console, result: ScanResult) -> None:
        t = result.target
        head = Table.grid(padding=(0, 2))
        head.add_row("Target", Text(t.ref))
        head.add_row("Kind", t.kind.value)
        if t.digest:
            head.add_row("Digest", t.digest)
        if t.platform:
            head.add_row("Platform", t.platform)
        if t.os:
            head.add_row("OS", t.os.name or f"{t.os.family} {t.os.version}")
        if t.layers:
            head.add_row(
                "Layers", f"{len(t.layers)} ({_human(sum(layer.size for layer in t.layers))} compressed)"
            )
        if result.stats.get("files"):
            head.add_row("Files", f"{result.stats['files']} ({_human(result.stats.get('bytes', 0))})")
        if t.image is not None:
            cfg = t.image
            head.add_row("User", cfg.user or "root (unset)")
            if cfg.entrypoint or cfg.cmd:
                head.add_row("Command", Text(" ".join([*(cfg.entrypoint or ()), *(cfg.cmd or ())])))
            if cfg.exposed_ports:
                head.add_row("Ports", ", ".join(cfg.exposed_ports))
        head.add_row("Packages", str(len(result.packages)))
        console.print(head)
        console.print()

    @staticmethod
    def _summary(console: Console, result: ScanResult) -> None:
        if not result.findings:
            return
        counts = c.counts(result.findings)
        suppressed: dict[FindingKind, int] = defaultdict(int)
        for f in result.findings:
            if f.suppressed is not None:
                suppressed[f.kind] += 1
        table = Table(title="Summary (open findings)", title_justify="left")
        table.add_column("Kind")
        for s in c.SEVERITIES:
            table.add_column(Text(s.value.upper(), style=SEVERITY_STYLE[s]), justify="right")
        table.add_column("Suppressed", justify="right")
        for kind in c.KINDS:
            row = counts[kind]
            if not sum(row.values()) and not suppressed[kind]:
                continue
            table.add_row(
                c.KIND_TITLES[kind], *(str(row.get(s, 0)) for s in c.SEVERITIES), str(suppressed[kind])
            )
        console.print(table)
        console.print()

    @staticmethod
    def _findings(
        console: Console,
        group: str,
        kind: FindingKind,
        items: list[Finding],
        pkgs: dict[str, Package],
        status: dict[str, c.Status],
    ) -> None:
        table = Table(title=f"{group} — {c.KIND_TITLES[kind].lower()} ({len(items)})", title_justify="left")
        table.add_column("Severity")
        table.add_column("ID", overflow="fold")
        if kind in (FindingKind.VULNERABILITY, FindingKind.LICENSE):
            table.add_column("Package", overflow="fold")
            table.add_column("Installed", overflow="fold")
            if kind is FindingKind.VULNERABILITY:
                table.add_column("Fixed in", overflow="fold")
        else:
            table.add_column("Location", overflow="fold")
        table.add_column("Title", overflow="fold")
        table.add_column("Status", overflow="fold")
        for f in items:
            sev = Text(f.severity.value.upper(), style=SEVERITY_STYLE[f.severity])
            st = status.get(f.fingerprint)
            if f.suppressed is not None:
                state = Text(f"suppressed ({f.suppressed.by})", style="dim")
            elif st is not None and st.state == "violation":
                state = Text("FAIL", style="bold red")
            elif st is not None:
                state = Text("ok", style="green")
            else:
                state = Text("")
            title = Text(f.title)
            if f.known_exploited:
                title.append(" [known exploited]", style="bold red")
            if f.vex is not None and f.suppressed is None:
                title.append(f" [VEX: {f.vex.status}]", style="yellow")
            ident = Text(f.id)
            if kind is FindingKind.VULNERABILITY:
                table.add_row(
                    sev,
                    ident,
                    Text(c.package_name(f, pkgs)),
                    Text(f.installed_version or ""),
                    Text(", ".join(f.fixed_versions)),
                    title,
                    state,
                )
            elif kind is FindingKind.LICENSE:
                table.add_row(
                    sev, ident, Text(c.package_name(f, pkgs)), Text(f.installed_version or ""), title, state
                )
            else:
                loc = ""
                if f.location is not None:
                    loc = f.location.path + (f":{f.location.line}" if f.location.line else "")
                    if f.location.resource:
                        loc += f" ({f.location.resource})"
                table.add_row(sev, ident, Text(loc), title, state)
        console.print(table)
        console.print()
