"""Inline suppressions: ``# bastion:ignore=RULE[,RULE…] reason`` (``//`` comments too).

A comment suppresses the listed rules (or ``*``/``all``) for the whole resource when it sits on the
resource's first line or the line above it, and for one finding when it sits on the offending line or
the line above that.
"""

from __future__ import annotations

import re

IGNORE = re.compile(
    r"(?:#|//|/\*)\s*bastion:ignore=([A-Za-z0-9_.*\-]+(?:\s*,\s*[A-Za-z0-9_.*\-]+)*)[ \t]*(.*)"
)


def ignore_comments(text: str) -> dict[int, list[tuple[str, str]]]:
    """line number → [(RULE, reason)]."""
    out: dict[int, list[tuple[str, str]]] = {}
    if "bastion:ignore" not in text:
        return out
    for number, row in enumerate(text.splitlines(), 1):
        if "bastion:ignore" not in row:
            continue
        m = IGNORE.search(row)
        if m:
            reason = m.group(2).strip().rstrip("*/").strip() or "inline suppression"
            out[number] = [(r.strip().upper(), reason) for r in m.group(1).split(",") if r.strip()]
    return out


def find_inline(
    comments: dict[int, list[tuple[str, str]]],
    rule: str,
    line: int | None,
    start: int | None,
    end: int | None,
) -> str | None:
    if not comments:
        return None
    candidates: list[int] = []
    if line is not None:
        candidates += [line, line - 1]
    if start is not None:
        candidates += [start, start - 1]
    rule = rule.upper()
    for n in candidates:
        for r, reason in comments.get(n, ()):
            if r in (rule, "*", "ALL"):
                return reason
    return None
