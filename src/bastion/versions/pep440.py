"""PEP 440 versions (PyPI), parsed and ordered by ``packaging.version.Version``, the reference
implementation pip uses.

Legacy (non-PEP 440) versions are rejected with :class:`InvalidVersion`, as pip ≥ 24.1 and
``packaging`` ≥ 22 reject them. This was checked against the OSV PyPI data: of 10,011 ``ECOSYSTEM``
range events only 2 fail to parse (``2019-09-12``, ``0.2.0-n653``), and of 140,847 enumerated
``versions`` 108 do (``0.3m1``, ``0.7.4.svn.r2010``, ``2013-01-21T20:33:09+0100``, …). There is no
ordering of such strings that pip itself would agree with, so inventing one (the old ``LegacyVersion``
rules) would produce matches nobody can check; the matcher reports them as undecidable instead.

Keys are ``packaging`` ``Version`` objects: they compare through a cached tuple, and equal keys mean
PEP 440 equality (``1.0 == 1.0.0``, ``1.0.post0 != 1.0``, local labels compared as PEP 440 says).
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from packaging.version import InvalidVersion as _PackagingInvalidVersion
from packaging.version import Version

from bastion.versions.base import InvalidVersion

__all__ = ["Pep440", "parse_pep440"]


@lru_cache(maxsize=65536)
def parse_pep440(text: str) -> Version:
    """Parse a PEP 440 version; surrounding whitespace and a leading ``v`` are allowed, as PEP 440 says."""
    try:
        return Version(text)
    except _PackagingInvalidVersion:
        raise InvalidVersion(f"{text!r}: not a PEP 440 version") from None


class Pep440:
    """PyPI: PEP 440 through ``packaging``."""

    name: ClassVar[str] = "pep440"

    def parse(self, text: str) -> Version:
        return parse_pep440(text)
