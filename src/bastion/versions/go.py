"""Go module versions and Go toolchain (``stdlib``/``toolchain``) versions.

Module versions follow ``golang.org/x/mod/semver``: SemVer 2.0.0 with a ``v`` prefix, where ``vMAJOR``
and ``vMAJOR.MINOR`` are shorthands for ``vMAJOR.0.0`` and ``vMAJOR.MINOR.0``; build metadata such as
``+incompatible`` is ignored for precedence. Pseudo-versions (``v0.0.0-20191109021931-daa7c04131f5``,
``v1.2.4-0.20191109021931-daa7c04131f5``) are ordinary pre-releases and sort as Go sorts them. OSV's
Go records drop the ``v`` (``1.2.3``, ``0``), so the prefix is optional here.

Toolchain versions are the tags Go itself uses (``go1.21.3``, ``go1.21rc2``, ``go1.20``,
``go1.9beta1``) and are normalised the way ``golang.org/x/vuln`` (``GoTagToSemver``) and the OSV Go
database do: ``go1.20`` → ``1.20.0``, ``go1.21rc2`` → ``1.21.0-rc.2``, ``go1.9.2rc2`` →
``1.9.2-rc.2``, ``go1`` → ``1.0.0``. So ``1.20 < 1.20.1`` and ``1.21rc1 < 1.21.0``, matching the
``stdlib`` ranges of the Go vulnerability database. (Go's own ``go/version`` package instead treats
``1.21`` as the *language* version below ``1.21rc1``; the vulnerability data does not use that form.)
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from bastion.versions.base import InvalidVersion
from bastion.versions.semver import SemVerKey, prerelease_key

__all__ = ["GoVersion", "parse_go"]

# x/mod/semver grammar: v, major, optional .minor, optional .patch (pre-release/build only with all
# three); no leading zeros; pre-release identifiers as in SemVer.
_ID = r"(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
_MODULE_RE = re.compile(
    r"v?(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)"
    rf"(?:-({_ID}(?:\.{_ID})*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?)?)?",
    re.ASCII,
)
# golang.org/x/vuln internal/semver tagRegexp ^go(\d+\.\d+)(\.\d+|)((beta|rc|-pre)(\d+))?$, without
# leading zeros (Go never tags them). Without the "go" prefix only the pre-release forms are taken as
# toolchain versions ("1.21rc2"); "1.20" and "1.20.1" are already module-version shorthands.
_N = r"(0|[1-9][0-9]*)"
_TOOLCHAIN_RE = re.compile(rf"go{_N}\.{_N}(?:\.{_N})?(?:(beta|rc|-pre)([1-9][0-9]*))?", re.ASCII)
_BARE_TOOLCHAIN_RE = re.compile(rf"{_N}\.{_N}(?:\.{_N})?(beta|rc)([1-9][0-9]*)", re.ASCII)


@lru_cache(maxsize=65536)
def parse_go(text: str) -> SemVerKey:
    """Parse a Go module version or a Go toolchain version into a SemVer key."""
    m = _MODULE_RE.fullmatch(text)
    if m is not None:
        if (m[4] is not None or m[5] is not None) and m[3] is None:
            raise InvalidVersion(f"{text!r}: Go pre-release or build suffix needs vMAJOR.MINOR.PATCH")
        return (int(m[1]), int(m[2] or 0), int(m[3] or 0), *prerelease_key(m[4]))
    if text == "go1":
        return (1, 0, 0, 1)
    t = _TOOLCHAIN_RE.fullmatch(text) or _BARE_TOOLCHAIN_RE.fullmatch(text)
    if t is not None and text != "go1.0":
        pre = None
        if t[4] is not None:
            pre = f"{t[4].lstrip('-')}.{int(t[5])}"
        return (int(t[1]), int(t[2]), int(t[3] or 0), *prerelease_key(pre))
    raise InvalidVersion(
        f"{text!r}: not a Go module version (vMAJOR[.MINOR[.PATCH[-PRE][+BUILD]]]) "
        "nor a Go toolchain version (go1.21.3, go1.21rc2)"
    )


class GoVersion:
    """Go modules and the Go toolchain (OSV ecosystem ``Go``, packages ``stdlib`` and ``toolchain``)."""

    name: ClassVar[str] = "go"

    def parse(self, text: str) -> SemVerKey:
        return parse_go(text)
