"""SemVer 2.0.0 (crates.io, Pub, Hex, OSV's ``SEMVER`` range type) and npm's lenient flavour.

Precedence follows semver.org §11 exactly: ``major.minor.patch`` compared numerically, a version with a
pre-release sorts before the same version without one, pre-release identifiers compare one by one
(numeric identifiers numerically and always below alphanumeric ones, alphanumeric ones in ASCII
order), and a longer list of identifiers wins when all preceding ones are equal. Build metadata
(``+…``) is validated and then ignored, so ``1.0.0+a == 1.0.0+b``.

Keys are plain tuples, ``(major, minor, patch, 1)`` for a release and
``(major, minor, patch, 0, id, id, …)`` for a pre-release, where each identifier is ``(0, int)`` or
``(1, str)``. Tuple order then *is* SemVer precedence.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["NpmSemVer", "SemVer", "SemVerKey", "prerelease_key"]

#: A parsed SemVer: ``(major, minor, patch, 1)`` or ``(major, minor, patch, 0, *identifiers)``.
SemVerKey: TypeAlias = tuple[int | tuple[int, int] | tuple[int, str], ...]

# The regular expression semver.org publishes (§ "Is there a suggested regular expression"),
# restricted to ASCII digits.
_SEMVER_RE = re.compile(
    r"(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(?:-((?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?",
    re.ASCII,
)

# node-semver (internal/constants.js): versions longer than this, or with a number above
# Number.MAX_SAFE_INTEGER, are rejected.
_NPM_MAX_LENGTH = 256
_NPM_MAX_SAFE_INTEGER = 2**53 - 1
# node-semver's loose prefix: any run of "v", "=" and whitespace (re[t.LOOSE] = [v=\s]*).
_NPM_PREFIX = "v= \t\n\r\f\v"


def prerelease_key(prerelease: str | None) -> tuple[int | tuple[int, int] | tuple[int, str], ...]:
    """The tail of a key for a dot-separated pre-release string (``None`` for a release)."""
    if prerelease is None:
        return (1,)
    ids: list[int | tuple[int, int] | tuple[int, str]] = [0]
    for ident in prerelease.split("."):
        ids.append((0, int(ident)) if ident.isdigit() else (1, ident))
    return tuple(ids)


@lru_cache(maxsize=65536)
def parse_semver(text: str) -> SemVerKey:
    """Parse a strict SemVer 2.0.0 string (no ``v`` prefix, no surrounding whitespace)."""
    m = _SEMVER_RE.fullmatch(text)
    if m is None:
        raise InvalidVersion(
            f"{text!r}: not a SemVer 2.0.0 version (expected MAJOR.MINOR.PATCH[-PRE][+BUILD])"
        )
    return (int(m[1]), int(m[2]), int(m[3]), *prerelease_key(m[4]))


def _npm_core(text: str) -> re.Match[str] | None:
    stripped = text.strip().lstrip(_NPM_PREFIX)
    return _SEMVER_RE.fullmatch(stripped)


@lru_cache(maxsize=65536)
def parse_npm(text: str) -> SemVerKey:
    """Parse a version the way node-semver's ``new SemVer(v, {loose: true})`` accepts it.

    Leading ``v``, ``=`` and whitespace and trailing whitespace are dropped (``=1.2.3``, ``v 1.2.3``);
    the rest must be strict SemVer. The length and ``MAX_SAFE_INTEGER`` limits of node-semver apply.
    """
    if len(text) > _NPM_MAX_LENGTH:
        raise InvalidVersion(f"{text[:40]!r}…: npm version longer than {_NPM_MAX_LENGTH} characters")
    m = _npm_core(text)
    if m is None:
        raise InvalidVersion(f"{text!r}: not an npm (SemVer 2.0.0) version")
    major, minor, patch = int(m[1]), int(m[2]), int(m[3])
    if max(major, minor, patch) > _NPM_MAX_SAFE_INTEGER:
        raise InvalidVersion(f"{text!r}: version number above Number.MAX_SAFE_INTEGER")
    return (major, minor, patch, *prerelease_key(m[4]))


class SemVer:
    """Strict SemVer 2.0.0: crates.io, Pub, Hex and OSV's ``SEMVER`` range type."""

    name: ClassVar[str] = "semver"

    def parse(self, text: str) -> SemVerKey:
        return parse_semver(text)


class NpmSemVer:
    """SemVer as npm's node-semver reads it: a leading ``v``/``=`` and surrounding spaces are allowed."""

    name: ClassVar[str] = "semver-npm"

    def parse(self, text: str) -> SemVerKey:
        return parse_npm(text)
