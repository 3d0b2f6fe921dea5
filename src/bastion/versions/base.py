"""How versions of one ecosystem parse and sort.

One module per scheme (``pep440.py``, ``semver.py``, ``dpkg.py`` …), each tested against the
ecosystem's own rules and published test vectors. :mod:`bastion.versions.ecosystems` is the only
place that maps an :class:`~bastion.model.Ecosystem` to its scheme.
"""

from __future__ import annotations

from typing import Any, ClassVar, Protocol, runtime_checkable

from bastion.errors import BastionError


class InvalidVersion(BastionError):
    """A version string is not valid in its scheme."""


@runtime_checkable
class SupportsOrdering(Protocol):
    def __lt__(self, other: Any, /) -> bool: ...
    def __le__(self, other: Any, /) -> bool: ...
    def __gt__(self, other: Any, /) -> bool: ...
    def __ge__(self, other: Any, /) -> bool: ...
    def __eq__(self, other: object, /) -> bool: ...


@runtime_checkable
class VersionScheme(Protocol):
    """Parse version strings into totally ordered keys.

    ``parse`` raises :class:`InvalidVersion` for strings the ecosystem itself would reject; keys of one
    scheme compare with each other (``<``, ``==``), never across schemes. Equal keys mean the ecosystem
    considers the versions equal (``1.0`` and ``1.0.0`` in Maven, ``1:1.0`` and ``1:1.0-0`` … as the
    scheme's rules say).
    """

    name: ClassVar[str]

    def parse(self, text: str) -> SupportsOrdering: ...


def compare(scheme: VersionScheme, a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` sorts before, equal to, or after ``b`` in ``scheme``."""
    ka, kb = scheme.parse(a), scheme.parse(b)
    if ka < kb:
        return -1
    if kb < ka:
        return 1
    return 0
