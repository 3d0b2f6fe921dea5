"""RubyGems versions: ``Gem::Version`` (rubygems ``lib/rubygems/version.rb``).

* A version matches ``\\A\\s*([0-9]+(?>\\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?)?\\s*\\z``;
  an empty (or all-blank) string is version ``0``.
* ``-`` is rewritten to ``.pre.``, and the string is split into runs of digits and runs of letters
  (segments): ``1.0.a10`` → ``[1, 0, "a", 10]``.
* Any letter makes the version a pre-release, which sorts before the release: ``1.0.a < 1.0``.
* Comparison uses the *canonical* segments: trailing zeros are dropped from the numeric part and
  from the part starting at the first string (``1.0.0 == 1``, ``1.0.a == 1.a``); then segments are
  compared pairwise, a missing segment being ``0``, a string being less than any number, strings
  compared bytewise and numbers numerically.

The key is a tuple. Because missing segments count as ``0``, each zero is folded into the next
non-zero segment as a count of zeros before it: a string segment after ``z`` zeros becomes
``(0, z, s)`` (more zeros before it: the other side's earlier number wins, so *greater*), a number
becomes ``(2, -z, n)`` and the end becomes ``(1,)``. Plain tuple comparison then equals
``Gem::Version#<=>``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["RubyGems", "RubyGemsKey", "parse_rubygems"]

_Element: TypeAlias = tuple[int] | tuple[int, int, str] | tuple[int, int, int]
RubyGemsKey: TypeAlias = tuple[_Element, ...]

_VERSION_RE = re.compile(r"\s*([0-9]+(?:\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*", re.ASCII)
_SEGMENT_RE = re.compile(r"[0-9]+|[a-z]+", re.ASCII | re.IGNORECASE)
_END: _Element = (1,)


def _strip_zeros(segments: list[int | str]) -> list[int | str]:
    end = len(segments)
    while end and segments[end - 1] == 0:
        end -= 1
    return segments[:end]


@lru_cache(maxsize=65536)
def parse_rubygems(text: str) -> RubyGemsKey:
    """Parse a gem version as ``Gem::Version.new`` does."""
    m = _VERSION_RE.fullmatch(text)
    if m is None:
        raise InvalidVersion(f"{text!r}: malformed gem version number string")
    version = (m.group(1) or "0").replace("-", ".pre.")
    segments: list[int | str] = [int(s) if s.isdigit() else s for s in _SEGMENT_RE.findall(version)]
    first_string = next((i for i, s in enumerate(segments) if isinstance(s, str)), len(segments))
    canonical = _strip_zeros(segments[:first_string]) + _strip_zeros(segments[first_string:])
    key: list[_Element] = []
    zeros = 0
    for seg in canonical:
        if isinstance(seg, str):
            key.append((0, zeros, seg))
            zeros = 0
        elif seg == 0:
            zeros += 1
        else:
            key.append((2, -zeros, seg))
            zeros = 0
    key.append(_END)
    return tuple(key)


class RubyGems:
    """RubyGems: ``Gem::Version`` ordering."""

    name: ClassVar[str] = "rubygems"

    def parse(self, text: str) -> RubyGemsKey:
        return parse_rubygems(text)
