"""Licenses of Debian packages, from ``usr/share/doc/<package>/copyright`` (not public API).

dpkg's database records no license. Debian ships one copyright file per package instead: most are
machine-readable (DEP-5) with ``License: <short name>`` fields, older ones are prose that points at
``/usr/share/common-licenses/<name>``. Both kinds are read, the way Syft and Trivy read them, and
Debian's short names become SPDX identifiers where one exists (``GPL-2+`` → ``GPL-2.0-or-later``,
``BSD-3-clause`` → ``BSD-3-Clause``, ``Expat`` → ``MIT``). Names without an SPDX equivalent
(``permissive``, ``public-domain``, ``GPL-3+ with Bison exception``) are kept as Debian writes them.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["licenses_from_copyright", "spdx_from_debian"]

_COMMON_PREFIX = "/usr/share/common-licenses/"
_COMMON_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]*[A-Za-z0-9+]")
_SPLIT = re.compile(r"\s+(?:and|or)\s+|\s*[,|]\s*", re.IGNORECASE)
# (L|A)GPL / GFDL with a version: "GPL-2", "GPL-2+", "LGPL-2.1+", "GPL-3.0", "GFDL-1.3"
_VERSIONED = re.compile(
    r"^(?P<family>A?GPL|LGPL|GFDL)-?(?P<version>[0-9]+(?:\.[0-9]+)?)(?P<plus>\+?)$", re.IGNORECASE
)
_SIMPLE = {
    "apache-2.0": "Apache-2.0",
    "apache-2": "Apache-2.0",
    "artistic": "Artistic-1.0-Perl",
    "artistic-2.0": "Artistic-2.0",
    "bsd-2-clause": "BSD-2-Clause",
    "bsd-3-clause": "BSD-3-Clause",
    "bsd-4-clause": "BSD-4-Clause",
    "bsd-4-clause-uc": "BSD-4-Clause-UC",
    "bsd-2-clause-netbsd": "BSD-2-Clause-NetBSD",
    "gfdl-niv-1.2": "GFDL-1.2-no-invariants-only",
    "gfdl-niv-1.3": "GFDL-1.3-no-invariants-only",
    "gfdl-niv-1.3+": "GFDL-1.3-no-invariants-or-later",
    "cc0-1.0": "CC0-1.0",
    "expat": "MIT",
    "mit": "MIT",
    "isc": "ISC",
    "mpl-1.1": "MPL-1.1",
    "mpl-2.0": "MPL-2.0",
    "zlib": "Zlib",
    "fsfullr": "FSFULLR",
    "fsfap": "FSFAP",
    "gpl": "GPL",
    "lgpl": "LGPL",
    "openssl": "OpenSSL",
    "python-2.0": "Python-2.0",
    "curl": "curl",
    "ofl-1.1": "OFL-1.1",
}
#: Files past this size are read only this far (license fields come early; common-licenses lines too).
MAX_COPYRIGHT_BYTES = 1024 * 1024


#: The versions SPDX defines for each family (``GFDL-3`` is a typo some copyright files carry: kept).
_SPDX_VERSIONS = {
    "GPL": {"1": "1.0", "1.0": "1.0", "2": "2.0", "2.0": "2.0", "3": "3.0", "3.0": "3.0"},
    "LGPL": {"2": "2.0", "2.0": "2.0", "2.1": "2.1", "3": "3.0", "3.0": "3.0"},
    "AGPL": {"1": "1.0", "1.0": "1.0", "3": "3.0", "3.0": "3.0"},
    "GFDL": {"1.1": "1.1", "1.2": "1.2", "1.3": "1.3"},
}


def spdx_from_debian(name: str) -> str:
    """One Debian short license name as an SPDX identifier, or unchanged when SPDX has none."""
    key = name.strip()
    m = _VERSIONED.match(key)
    if m is not None:
        family = m.group("family").upper()
        version = _SPDX_VERSIONS[family].get(m.group("version"))
        if version is None:
            return key
        return f"{family}-{version}{'-or-later' if m.group('plus') else '-only'}"
    return _SIMPLE.get(key.lower(), key)


@lru_cache(maxsize=4096)
def _field_licenses(expression: str) -> tuple[str, ...]:
    """``GPL-3+ and BSD-4-clause-UC`` → both; ``GPL-2+ or Artistic`` → both; ``X with Y exception`` stays whole."""
    return tuple(spdx_from_debian(p.strip()) for p in _SPLIT.split(expression.strip()) if p.strip())


def licenses_from_copyright(text: str) -> tuple[str, ...]:
    """Every license a copyright file names, SPDX where possible, in first-seen order.

    Linear: ``str.find`` locates the few ``License:`` lines and common-licenses references, so a
    large prose file costs one scan in C.
    """
    out: dict[str, None] = {}
    pos = 0 if text.startswith("License:") else text.find("\nLicense:")
    while pos >= 0:
        start = pos + (8 if pos == 0 and text.startswith("License:") else 9)
        end = text.find("\n", start)
        value = text[start : end if end >= 0 else len(text)].strip()
        if value:
            for name in _field_licenses(value):
                out.setdefault(name, None)
        pos = text.find("\nLicense:", start)
    pos = text.find(_COMMON_PREFIX)
    while pos >= 0:
        m = _COMMON_NAME.match(text, pos + len(_COMMON_PREFIX))
        if m is not None:
            out.setdefault(spdx_from_debian(m.group(0).rstrip(".")), None)
        pos = text.find(_COMMON_PREFIX, pos + len(_COMMON_PREFIX))
    return tuple(out)
