"""License strings as extractors report them → SPDX ids, SPDX expressions or free-text names.

``Package.licenses`` holds what the package declares, one string per declared license: an SPDX id
(``MIT``), an SPDX expression (``MIT OR Apache-2.0``) or a name no list knows (``GPL``, ``permissive``).
SBOM formats must tell these apart: CycloneDX writes ``license.id``, ``license.name`` or one
``expression``; SPDX needs a valid expression, with ``LicenseRef-`` entries for the names.

A name is never promoted to an id by alias (``GPL`` stays the name ``GPL``; it is not ``GPL-1.0-or-later``),
because that would claim more than the package said.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from cyclonedx.spdx import fixup_id

_OPERATORS = frozenset({"and", "or", "with"})
_TOKEN = re.compile(r"[()]|[^\s()]+")
_COMPOUND = re.compile(r"\s(?:and|or|with)\s|[()]", re.IGNORECASE)
_REF_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]+")


@dataclass(frozen=True, slots=True)
class LicenseTerm:
    kind: Literal["id", "expression", "name"]
    value: str  # canonical id, normalised expression, or the name as given


@lru_cache(maxsize=4096)
def classify(text: str) -> LicenseTerm:
    text = text.strip()
    ident = fixup_id(text)
    if ident is not None:
        return LicenseTerm("id", ident)
    if _COMPOUND.search(f" {text} "):
        expr = _valid_expression(text)
        if expr is not None:
            return LicenseTerm("expression", expr)
    return LicenseTerm("name", text)


def _valid_expression(text: str) -> str | None:
    """The normalised SPDX expression when ``text`` is one made only of real SPDX ids (no aliases)."""
    tokens = _TOKEN.findall(text)
    after_with = False
    for tok in tokens:
        low = tok.lower()
        if tok in "()":
            continue
        if low in _OPERATORS:
            after_with = low == "with"
            continue
        if not after_with and fixup_id(tok) is None and not tok.startswith("LicenseRef-"):
            return None
        after_with = False
    from spdx_tools.common.spdx_licensing import spdx_licensing

    try:
        info = spdx_licensing.validate(text)
    except Exception:  # license_expression raises assorted errors on malformed input
        return None
    if info.errors or not info.normalized_expression:
        return None
    return str(info.normalized_expression)


def license_ref(name: str) -> str:
    """A stable ``LicenseRef-`` id for a license name (SPDX idstring: letters, digits, ``.`` and ``-``)."""
    safe = _REF_UNSAFE.sub("-", name).strip("-.") or "unnamed"
    if safe != name:
        safe = f"{safe[:60]}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    return f"LicenseRef-{safe}"


def conjunction(terms: list[str]) -> str:
    """``A AND (B OR C)``: several declared licenses as one SPDX expression (syft and trivy do the same)."""
    parts = []
    for t in terms:
        parts.append(
            f"({t})" if len(terms) > 1 and _COMPOUND.search(f" {t} ") and not t.startswith("(") else t
        )
    return " AND ".join(parts)


def split_conjunction(expr: str) -> list[str]:
    """Inverse of :func:`conjunction`: the top-level ``AND`` terms of an expression, outer parentheses removed."""
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    low = expr.lower()
    while i < len(expr):
        ch = expr[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and low.startswith(" and ", i):
            parts.append(expr[start:i])
            i += 5
            start = i
            continue
        i += 1
    parts.append(expr[start:])
    out = []
    for part in parts:
        part = part.strip()
        while part.startswith("(") and part.endswith(")") and _balanced(part[1:-1]):
            part = part[1:-1].strip()
        if part:
            out.append(part)
    return out


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0
