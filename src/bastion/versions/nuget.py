"""NuGet versions: ``NuGet.Versioning.NuGetVersion`` with ``VersionComparer.Default``.

* One to four dot-separated numbers (``1``, ``1.0``, ``1.0.0``, ``1.0.0.0``; leading zeros allowed,
  each at most 2^31 - 1), missing ones are 0: ``1.0 == 1.0.0 == 1.0.0.0`` and ``1.01 == 1.1``.
* An optional ``-`` release label of dot-separated ``[0-9A-Za-z-]`` identifiers (numeric ones
  without leading zeros) and optional ``+`` metadata; surrounding whitespace is ignored.
* Ordering: the four numbers, then a version with a release label sorts before the same version
  without one; labels compare identifier by identifier: two numbers (that fit an ``Int32``)
  numerically, a number before a non-number, otherwise ordinal case-insensitive
  (``1.0.0-BETA == 1.0.0-beta``); more identifiers wins. Metadata is ignored.

The key is a tuple ``(major, minor, patch, revision, 1)`` for a release or
``(major, minor, patch, revision, 0, id, …)`` with identifiers ``(0, int)`` or ``(1, UPPER)``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["NuGet", "NuGetKey", "parse_nuget"]

NuGetKey: TypeAlias = tuple[int | tuple[int, int] | tuple[int, str], ...]

_PART = r"[0-9A-Za-z-]+"
_VERSION_RE = re.compile(
    rf"([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?(?:\.([0-9]+))?(?:-({_PART}(?:\.{_PART})*))?(?:\+({_PART}(?:\.{_PART})*))?",
    re.ASCII,
)
_INT32_MAX = 2**31 - 1


@lru_cache(maxsize=65536)
def parse_nuget(text: str) -> NuGetKey:
    """Parse a NuGet version as ``NuGetVersion.Parse`` does."""
    m = _VERSION_RE.fullmatch(text.strip())
    if m is None:
        raise InvalidVersion(
            f"{text!r}: not a valid NuGet version (expected N[.N[.N[.N]]][-label][+metadata])"
        )
    numbers = tuple(int(g) if g is not None else 0 for g in m.group(1, 2, 3, 4))
    if max(numbers) > _INT32_MAX:
        raise InvalidVersion(f"{text!r}: NuGet version number above 2^31 - 1")
    label = m.group(5)
    if label is None:
        return (*numbers, 1)
    ids: list[int | tuple[int, int] | tuple[int, str]] = [0]
    for ident in label.split("."):
        if ident.isdigit():
            if len(ident) > 1 and ident[0] == "0":
                raise InvalidVersion(f"{text!r}: NuGet release label {ident!r} has a leading zero")
            value = int(ident)
            # CompareRelease uses Int32.TryParse: bigger numbers compare as strings.
            ids.append((0, value) if value <= _INT32_MAX else (1, ident))
        else:
            ids.append((1, ident.upper()))
    return (*numbers, *ids)


class NuGet:
    """NuGet: ``NuGetVersion`` and ``VersionComparer.Default``."""

    name: ClassVar[str] = "nuget"

    def parse(self, text: str) -> NuGetKey:
        return parse_nuget(text)
