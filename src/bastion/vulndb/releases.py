"""The distro release of a scanned OS, as the OSV ecosystem strings its advisories are filed under.

Distro advisories are per release: a Debian package is matched against ``Debian:12`` entries (and
release-less ``Debian`` ones) when the target's os-release says Debian 12. The mapping:

- Debian: ``VERSION_ID`` major (``12``), else the codename (``bookworm`` → ``12``, ``sid``) → ``Debian:12``;
- Ubuntu: ``22.04`` → ``Ubuntu:22.04:LTS`` for LTS releases (even year, April), else ``Ubuntu:23.10``;
- Alpine: ``3.19.1`` → ``Alpine:v3.19``; pre-releases of the next branch (``3.20_alpha…``) → ``Alpine:edge``;
- Wolfi / Chainguard: rolling, unversioned;
- RPM distros: ``<Ecosystem>:<major>`` (the seam for Red Hat / Rocky / Alma data).

Returns the reason instead when the release is unknown, so the detector can say why an OS package
was not matched.
"""

from __future__ import annotations

import re

from bastion.model import Ecosystem, OsInfo
from bastion.vulndb.sources.debian import CODENAMES

__all__ = ["os_ecosystems"]

_MAJOR = re.compile(r"(\d+)")
_MAJOR_MINOR = re.compile(r"(\d+)\.(\d+)")


def os_ecosystems(ecosystem: Ecosystem, os_info: OsInfo | None) -> tuple[str, ...] | str:
    if ecosystem in (Ecosystem.WOLFI, Ecosystem.CHAINGUARD):
        return (ecosystem.value,)
    if os_info is None:
        return f"the target's {ecosystem.value} release is unknown (no os-release)"
    version = (os_info.version or "").strip()
    match ecosystem:
        case Ecosystem.DEBIAN:
            m = _MAJOR.match(version)
            if m:
                return (f"Debian:{m.group(1)}", "Debian")
            code = (os_info.codename or "").strip().lower()
            if code in CODENAMES:
                return (f"Debian:{CODENAMES[code]}", "Debian")
            return f"Debian release unknown (VERSION_ID {version!r}, codename {code!r})"
        case Ecosystem.UBUNTU:
            m2 = _MAJOR_MINOR.match(version)
            if not m2:
                return f"Ubuntu release unknown (VERSION_ID {version!r})"
            year, month = int(m2.group(1)), int(m2.group(2))
            rel = f"{year}.{month:02d}"
            return (f"Ubuntu:{rel}:LTS",) if year % 2 == 0 and month == 4 else (f"Ubuntu:{rel}",)
        case Ecosystem.ALPINE:
            if "_" in version or version in ("edge", ""):
                return ("Alpine:edge",) if version else "Alpine release unknown (no VERSION_ID)"
            m2 = _MAJOR_MINOR.match(version)
            if not m2:
                return f"Alpine release unknown (VERSION_ID {version!r})"
            return (f"Alpine:v{m2.group(1)}.{m2.group(2)}",)
        case _:
            m = _MAJOR.match(version)
            if not m:
                return f"{ecosystem.value} release unknown (VERSION_ID {version!r})"
            return (f"{ecosystem.value}:{m.group(1)}", ecosystem.value)
