"""RPM versions (Red Hat, CentOS, Rocky, Alma, Fedora, Amazon, Oracle, SUSE, openSUSE).

``[epoch:]version[-release]``: the epoch (default 0) compares numerically, then ``version`` and
``release`` each with ``rpmvercmp`` (rpm ``rpmio/rpmvercmp.c``, rpm ≥ 4.15):

* the string is cut into runs of ASCII digits and runs of ASCII letters; every other character
  (``.``, ``_``, ``+``, non-ASCII …) only separates runs, so ``2.0 == 2_0``;
* ``~`` sorts before everything, even the end of the string (``1.0~rc1 < 1.0``);
* ``^`` sorts after the end of the string but before any further run (``1.0 < 1.0^git1 < 1.0.1``);
* a numeric run beats an alphabetic run; numeric runs compare as numbers (leading zeros ignored),
  alphabetic runs as ASCII strings;
* when one string runs out, the one with runs left is newer.

The key turns each token into a ``(rank, value)`` tuple with ranks ``~`` 0 < end 1 < ``^`` 2 <
alpha 3 < number 4 and ends every string with the end token, so tuple order equals ``rpmvercmp``.

A missing release compares as the empty string, so ``1.0 < 1.0-1``. (rpm's dependency matching
treats a missing release as a wildcard; advisory data always carries the release, and a total order
cannot express a wildcard.)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["Rpm", "RpmKey", "parse_rpm", "rpmvercmp_key"]

_Token: TypeAlias = tuple[int] | tuple[int, int] | tuple[int, str]
_Part: TypeAlias = tuple[_Token, ...]
RpmKey: TypeAlias = tuple[int, _Part, _Part]

_TOKEN_RE = re.compile(r"([0-9]+)|([A-Za-z]+)|(~)|(\^)", re.ASCII)
_TILDE: _Token = (0,)
_END: _Token = (1,)
_CARET: _Token = (2,)


def rpmvercmp_key(text: str) -> _Part:
    """A tuple whose order is ``rpmvercmp``'s order for ``text``."""
    tokens: list[_Token] = []
    for m in _TOKEN_RE.finditer(text):
        digits, alpha, tilde, _caret = m.groups()
        if digits is not None:
            tokens.append((4, int(digits)))
        elif alpha is not None:
            tokens.append((3, alpha))
        elif tilde is not None:
            tokens.append(_TILDE)
        else:
            tokens.append(_CARET)
    tokens.append(_END)
    return tuple(tokens)


@lru_cache(maxsize=65536)
def parse_rpm(text: str) -> RpmKey:
    """Parse ``[epoch:]version[-release]``."""
    s = text.strip()
    if not s:
        raise InvalidVersion(f"{text!r}: empty RPM version")
    if any(c.isspace() for c in s):
        raise InvalidVersion(f"{text!r}: RPM version has embedded spaces")
    epoch = 0
    colon = s.find(":")
    if colon >= 0:
        epoch_text, s = s[:colon], s[colon + 1 :]
        if not epoch_text.isascii() or not epoch_text.isdigit():
            raise InvalidVersion(f"{text!r}: RPM epoch {epoch_text!r} is not a number")
        epoch = int(epoch_text)
    version, hyphen, release = s.rpartition("-")
    if not hyphen:
        version, release = s, ""
    if not version:
        raise InvalidVersion(f"{text!r}: empty RPM version part")
    if hyphen and not release:
        raise InvalidVersion(f"{text!r}: empty RPM release after '-'")
    if ":" in version or ":" in release:
        raise InvalidVersion(f"{text!r}: more than one ':' in RPM version")
    return (epoch, rpmvercmp_key(version), rpmvercmp_key(release))


class Rpm:
    """RPM-based distributions: ``rpmvercmp`` on epoch, version and release."""

    name: ClassVar[str] = "rpm"

    def parse(self, text: str) -> RpmKey:
        return parse_rpm(text)
