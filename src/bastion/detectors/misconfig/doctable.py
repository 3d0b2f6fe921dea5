"""Regenerate the check table of ``docs/misconfig.md`` from the check data.

    python -m bastion.detectors.misconfig.doctable docs/misconfig.md

Rewrites the text between ``<!-- checks:start -->`` and ``<!-- checks:end -->``; ``--check`` exits
1 when the file is out of date instead.
"""

from __future__ import annotations

import sys
from pathlib import Path

from bastion.detectors.misconfig.checks import FRAMEWORKS, builtin_checks
from bastion.detectors.misconfig.kubernetes import WORKLOADS

START, END = "<!-- checks:start -->", "<!-- checks:end -->"
_SHORT = {v: k for k, v in FRAMEWORKS.items()}


def table() -> str:
    rows = [
        "| ID | Severity | Applies to | Title | Compliance |",
        "| --- | --- | --- | --- | --- |",
    ]
    for check in builtin_checks():
        m = check.meta
        types = sorted(m.types)
        applies = ", ".join(sorted(m.file_types))
        if m.types == WORKLOADS:
            applies += ": workloads"
        elif types and len(types) <= 4:
            applies += ": " + ", ".join(f"`{t}`" for t in types)
        elif types:
            applies += f": {len(types)} resource types"
        comp = "; ".join(f"{_SHORT.get(ref.framework, ref.framework)} {ref.control}" for ref in m.compliance)
        rows.append(f"| {m.id} | {m.severity.value} | {applies} | {m.title} | {comp} |")
    legend = ", ".join(f"`{k}` = {v}" for k, v in FRAMEWORKS.items())
    return f"{len(rows) - 2} checks. Compliance keys: {legend}.\n\n" + "\n".join(rows) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check_only = "--check" in args
    args = [a for a in args if a != "--check"]
    path = Path(args[0] if args else "docs/misconfig.md")
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    new = f"{head}{START}\n{table()}{END}{tail}"
    if check_only:
        return 0 if new == text else 1
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
