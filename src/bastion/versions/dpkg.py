"""Debian package versions (Debian, Ubuntu): Debian Policy §5.6.12 as ``dpkg`` implements it.

``[epoch:]upstream_version[-debian_revision]``; the revision is everything after the last hyphen and
the epoch everything before the first colon. Upstream and revision are compared with dpkg's
``verrevcmp``: alternating non-digit and digit runs; in non-digit runs every letter sorts before every
non-letter, and ``~`` sorts before everything, even the end of the string (``1.0~rc1 < 1.0``); digit
runs compare numerically. A missing revision compares equal to ``0`` (``1.0 == 1.0-0``).

Validation follows ``parseversion()`` in ``lib/dpkg/parsehelp.c`` (dpkg 1.21): surrounding whitespace
is ignored; an empty version, an empty upstream part, an empty revision after ``-``, an epoch that
is not a non-negative number below 2^31 and embedded spaces are errors there and here. Characters
outside ``[A-Za-z0-9.+~-]`` (plus ``:`` in the upstream part) only make dpkg warn, but Debian Policy
forbids them and no archive carries them, so they are rejected here. An upstream part that does not
start with a digit also only makes dpkg warn; that one is accepted here, because such versions exist in
real archives and dpkg compares them normally.

The key is a tuple ``(epoch, upstream, revision)`` where each part is a tuple of
``(non_digit_orders, number)`` pairs followed by a terminator pair, so plain tuple comparison gives
exactly ``verrevcmp``'s answer (see :func:`_part_key`).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["Dpkg", "DpkgKey", "parse_dpkg"]

_Part: TypeAlias = tuple[tuple[tuple[int, ...], int], ...]
DpkgKey: TypeAlias = tuple[int, _Part, _Part]

_RUN_RE = re.compile(r"([^0-9]*)([0-9]*)", re.ASCII)
_UPSTREAM_RE = re.compile(r"[A-Za-z0-9.+~:-]+", re.ASCII)
_REVISION_RE = re.compile(r"[A-Za-z0-9.+~]+", re.ASCII)
_EPOCH_MAX = 2**31 - 1


def _order(c: str) -> int:
    # lib/dpkg/version.c order(): digits 0, letters their code, '~' -1, others code + 256.
    if c.isalpha():
        return ord(c)
    if c == "~":
        return -1
    return ord(c) + 256


_ORDER = {chr(i): _order(chr(i)) for i in range(128) if not chr(i).isdigit()}
# The pair an exhausted string contributes: an empty non-digit run (orders end with 0) and number 0.
_END = ((0,), 0)


def _part_key(text: str) -> _Part:
    """``verrevcmp`` as a tuple.

    Each non-digit run becomes the tuple of its characters' orders followed by 0, which is what
    ``verrevcmp`` compares a missing character with; because no character has order 0, tuple order of
    these equals ``verrevcmp``'s. Each string ends with the pair an exhausted string would keep
    supplying, so ``1 > 1~`` (the end beats ``~``) comes out right, and trailing ``(empty, 0)``
    pairs are dropped so that ``""`` equals ``"0"``.
    """
    pairs: list[tuple[tuple[int, ...], int]] = []
    for m in _RUN_RE.finditer(text):
        nondigit, digits = m.group(1), m.group(2)
        if not nondigit and not digits:
            continue
        pairs.append(((*(_ORDER[c] for c in nondigit), 0), int(digits) if digits else 0))
    while pairs and pairs[-1] == _END:
        pairs.pop()
    pairs.append(_END)
    return tuple(pairs)


@lru_cache(maxsize=65536)
def parse_dpkg(text: str) -> DpkgKey:
    """Parse a Debian version as ``dpkg --compare-versions`` does."""
    s = text.strip()
    if not s:
        raise InvalidVersion(f"{text!r}: empty Debian version")
    if any(c.isspace() for c in s):
        raise InvalidVersion(f"{text!r}: Debian version has embedded spaces")
    epoch = 0
    colon = s.find(":")
    if colon >= 0:
        epoch_text, s = s[:colon], s[colon + 1 :]
        if not epoch_text.isascii() or not epoch_text.isdigit():
            raise InvalidVersion(f"{text!r}: Debian epoch {epoch_text!r} is not a number")
        epoch = int(epoch_text)
        if epoch > _EPOCH_MAX:
            raise InvalidVersion(f"{text!r}: Debian epoch is too big")
        if not s:
            raise InvalidVersion(f"{text!r}: nothing after the Debian epoch")
    upstream, hyphen, revision = s.rpartition("-")
    if not hyphen:
        upstream, revision = s, ""
    elif not revision:
        raise InvalidVersion(f"{text!r}: empty Debian revision after '-'")
    if not upstream:
        raise InvalidVersion(f"{text!r}: empty Debian upstream version")
    if _UPSTREAM_RE.fullmatch(upstream) is None:
        raise InvalidVersion(f"{text!r}: invalid character in Debian upstream version {upstream!r}")
    if revision and _REVISION_RE.fullmatch(revision) is None:
        raise InvalidVersion(f"{text!r}: invalid character in Debian revision {revision!r}")
    return (epoch, _part_key(upstream), _part_key(revision))


class Dpkg:
    """Debian and Ubuntu: dpkg version comparison."""

    name: ClassVar[str] = "dpkg"

    def parse(self, text: str) -> DpkgKey:
        return parse_dpkg(text)
