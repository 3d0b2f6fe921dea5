"""Where reports go: ``--format F`` to stdout, ``--output FILE``, or several ``--output NAME=FILE``."""

from __future__ import annotations

import sys
from pathlib import Path

from bastion.errors import UsageError
from bastion.model import ScanResult
from bastion.reports import registry


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
    result: ScanResult, outputs: list[tuple[str, Path | None]], *, list_packages: bool = False
) -> None:
    for name, dest in outputs:
        reporter = registry.get(name)
        if hasattr(reporter, "list_packages"):
            reporter.list_packages = list_packages
        if dest is None:
            reporter.render(result, sys.stdout)
            sys.stdout.flush()
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            reporter.render(result, fh)
        tmp.replace(dest)
