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

import dataclasses

from bastion.inventory.ospkg.release import major, osv_ecosystem
from bastion.model import Ecosystem, OsInfo
from bastion.vulndb.sources.debian import CODENAMES

__all__ = ["os_ecosystems"]


def os_ecosystems(ecosystem: Ecosystem, os_info: OsInfo | None) -> tuple[str, ...] | str:
    """The OSV ecosystem strings to look up for OS packages of ``ecosystem`` on ``os_info``, or why none.

    The string itself comes from :func:`bastion.inventory.ospkg.release.osv_ecosystem`, the one place that
    knows how each distribution names its releases in OSV.
    """
    if ecosystem in (Ecosystem.WOLFI, Ecosystem.CHAINGUARD):
        return (ecosystem.value,)
    if os_info is None:
        return f"the target's {ecosystem.value} release is unknown (no os-release)"
    version = (os_info.version or "").strip()
    if ecosystem is Ecosystem.DEBIAN and not major(version):
        code = (os_info.codename or "").strip().lower()
        if code not in CODENAMES:
            return f"Debian release unknown (VERSION_ID {version!r}, codename {code!r})"
        os_info = dataclasses.replace(os_info, version=CODENAMES[code])
    if ecosystem is Ecosystem.ALPINE and ("_" in version or version == "edge"):
        return ("Alpine:edge",)  # a pre-release of the next branch
    name = osv_ecosystem(ecosystem, os_info)
    if name == ecosystem.value:
        return f"{ecosystem.value} release unknown (VERSION_ID {version!r})"
    if ecosystem in (Ecosystem.UBUNTU, Ecosystem.ALPINE):
        return (name,)
    return (name, ecosystem.value)
