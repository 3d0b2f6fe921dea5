"""Human-readable report with Rich: a summary of the target, then findings grouped by kind.

Colours are off when the output is not a terminal or NO_COLOR is set.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import ClassVar, TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from bastion.model import FindingKind, ScanResult, Severity

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
    return f"{n} B"


class TableReporter:
    name: ClassVar[str] = "table"
    media_type: ClassVar[str] = "text/plain"

    def __init__(self) -> None:
        self.list_packages = False

    def render(self, result: ScanResult, out: TextIO) -> None:
        isatty = hasattr(out, "isatty") and out.isatty()
        console = Console(file=out, force_terminal=isatty, no_color=bool(os.environ.get("NO_COLOR")) or not isatty, width=None if isatty else 160, highlight=False)
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
            head.add_row("Layers", f"{len(t.layers)} ({_human(sum(layer.size for layer in t.layers))} compressed)")
        if result.stats.get("files"):
            head.add_row("Files", f"{result.stats['files']} ({_human(result.stats.get('bytes', 0))})")
        if t.image is not None:
            cfg = t.image
            head.add_row("User", cfg.user or "root (unset)")
            if cfg.entrypoint or cfg.cmd:
                head.add_row("Command", " ".join([*(cfg.entrypoint or ()), *(cfg.cmd or ())]))
            if cfg.exposed_ports:
                head.add_row("Ports", ", ".join(cfg.exposed_ports))
        head.add_row("Packages", str(len(result.packages)))
        console.print(head)
        console.print()

        if self.list_packages and result.packages:
            pt = Table(title="Packages", title_justify="left", show_lines=False)
            for col in ("Name", "Version", "Ecosystem", "Path"):
                pt.add_column(col)
            for p in result.packages:
                pt.add_row(p.name, p.version or "(unpinned)", p.ecosystem.value, p.path or "")
            console.print(pt)
            console.print()

        for kind in FindingKind:
            items = [f for f in result.findings if f.kind is kind]
            if not items:
                continue
            counts = Counter(f.severity for f in items if f.suppressed is None)
            summary = ", ".join(f"{s.value.upper()}: {counts.get(s, 0)}" for s in Severity)
            table = Table(title=f"{kind.value.capitalize()} findings ({len(items)}; {summary})", title_justify="left")
            table.add_column("Severity")
            table.add_column("ID")
            if kind is FindingKind.VULNERABILITY:
                table.add_column("Package")
                table.add_column("Installed")
                table.add_column("Fixed in")
            else:
                table.add_column("Location")
            table.add_column("Title", overflow="fold")
            for f in items:
                sev = Text(f.severity.value.upper(), style=SEVERITY_STYLE[f.severity])
                ident = f.id + (" (suppressed)" if f.suppressed else "")
                title = f.title
                if kind is FindingKind.VULNERABILITY:
                    pkg = f.package or ""
                    name = pkg.split("/")[-1].split("@")[0] if pkg else ""
                    table.add_row(sev, ident, name, f.installed_version or "", ", ".join(f.fixed_versions), title)
                else:
                    loc = ""
                    if f.location:
                        loc = f.location.path + (f":{f.location.line}" if f.location.line else "")
                        if f.location.resource:
                            loc += f" ({f.location.resource})"
                    table.add_row(sev, ident, loc, title)
            console.print(table)
            console.print()
        if not result.findings:
            console.print("No findings.")
        if result.errors:
            console.print(f"[yellow]{len(result.errors)} file(s) could not be fully read[/] (see the JSON report's errors)")
