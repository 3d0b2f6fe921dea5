"""From a detected operating system to how its packages are named and matched.

One table answers, for an :class:`~bastion.model.OsInfo` and the package manager that recorded a
package: which :class:`~bastion.model.Ecosystem` matches it, which OSV ecosystem string scopes the
advisories (``Debian:12``, ``Ubuntu:22.04:LTS``, ``Alpine:v3.19``, ``Rocky Linux:9``), and which purl
namespace and ``distro`` qualifier the package URL carries. Extractors and the vulnerability matcher
both call :func:`release_for`, so the two can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from bastion.model import Ecosystem, OsInfo

__all__ = ["Manager", "Release", "major", "os_ecosystem", "osv_ecosystem", "release_for"]

#: The package managers whose databases bastion reads.
Manager = Literal["dpkg", "apk", "rpm"]


@dataclass(frozen=True, slots=True)
class Release:
    """How the packages of one OS release are identified.

    ``osv_ecosystem`` is the OSV ecosystem string, exact where OSV defines the ecosystem ("" for
    ``generic``: an rpm database on a distribution bastion does not know). Two cases
    are prefixes rather than exact strings: Red Hat (``Red Hat:enterprise_linux:9``; OSV scopes Red Hat
    advisories by product stream, ``Red Hat:enterprise_linux:9::appstream``, which an image does not
    record) and releases without any version (``Debian``), where OSV data for every release applies.
    """

    ecosystem: Ecosystem
    osv_ecosystem: str
    #: The purl namespace ("" for none).
    purl_namespace: str
    #: The purl ``distro`` qualifier (``debian-12``, ``alpine-3.19.1``, ``rhel-9.3``); "" when unknown.
    distro: str = ""


# family -> (ecosystem, purl namespace) for each package manager. Families are os-release IDs as
# normalised by bastion.inventory.ospkg.distro.
_DPKG: dict[str, Ecosystem] = {"debian": Ecosystem.DEBIAN, "ubuntu": Ecosystem.UBUNTU}
_APK: dict[str, Ecosystem] = {
    "alpine": Ecosystem.ALPINE,
    "wolfi": Ecosystem.WOLFI,
    "chainguard": Ecosystem.CHAINGUARD,
}
_RPM: dict[str, Ecosystem] = {
    "rhel": Ecosystem.REDHAT,
    "centos": Ecosystem.CENTOS,
    "rocky": Ecosystem.ROCKY,
    "almalinux": Ecosystem.ALMA,
    "fedora": Ecosystem.FEDORA,
    "amzn": Ecosystem.AMAZON,
    "ol": Ecosystem.ORACLE,
    "sles": Ecosystem.SUSE,
    "sled": Ecosystem.SUSE,
    "sles_sap": Ecosystem.SUSE,
    "sle-micro": Ecosystem.SUSE,
    "opensuse-leap": Ecosystem.OPENSUSE,
    "opensuse-tumbleweed": Ecosystem.OPENSUSE,
    "opensuse-leap-micro": Ecosystem.OPENSUSE,
}
#: purl namespaces that differ from the os-release ID (the purl spec's examples use vendor names).
_RPM_NAMESPACE: dict[str, str] = {
    "rhel": "redhat",
    "amzn": "amazon",
    "ol": "oracle",
    "sles": "suse",
    "sled": "suse",
    "sles_sap": "suse",
    "sle-micro": "suse",
    "opensuse-leap": "opensuse",
    "opensuse-tumbleweed": "opensuse",
    "opensuse-leap-micro": "opensuse",
}
#: What a database says when the OS is unknown or does not use that package manager.
_DEFAULT: dict[str, tuple[Ecosystem, str]] = {
    "dpkg": (Ecosystem.DEBIAN, "debian"),
    "apk": (Ecosystem.ALPINE, "alpine"),
    "rpm": (Ecosystem.GENERIC, ""),
}


def major(version: str) -> str:
    """The leading run of digits: ``9.3`` → ``9``, ``12`` → ``12``, ``2023.3.20240304`` → ``2023``."""
    out = []
    for ch in version:
        if not ch.isdigit():
            break
        out.append(ch)
    return "".join(out)


def _major_minor(version: str) -> str:
    parts = version.split(".")
    if len(parts) >= 2 and major(parts[0]) == parts[0] and major(parts[1]):
        return f"{parts[0]}.{major(parts[1])}"
    return major(version)


def osv_ecosystem(ecosystem: Ecosystem, os: OsInfo) -> str:
    """The OSV ecosystem string for packages of ``os`` matched as ``ecosystem``."""
    version = os.version
    match ecosystem:
        case Ecosystem.DEBIAN:
            return f"Debian:{major(version)}" if major(version) else "Debian"
        case Ecosystem.UBUNTU:
            yymm = _major_minor(version)
            if "." not in yymm:
                return "Ubuntu"
            yy, mm = yymm.split(".")
            # Every Ubuntu LTS is an April release of an even year (6.06 aside, long gone).
            lts = mm == "04" and int(yy) % 2 == 0
            return f"Ubuntu:{yymm}:LTS" if lts else f"Ubuntu:{yymm}"
        case Ecosystem.ALPINE:
            mm = _major_minor(version)
            return f"Alpine:v{mm}" if "." in mm else "Alpine"
        case Ecosystem.WOLFI | Ecosystem.CHAINGUARD:
            return ecosystem.value  # rolling distributions: OSV has no release suffix
        case Ecosystem.REDHAT:
            return f"Red Hat:enterprise_linux:{major(version)}" if major(version) else "Red Hat"
        case Ecosystem.SUSE | Ecosystem.OPENSUSE:
            # OSV scopes SUSE by marketing name, which os-release has as PRETTY_NAME.
            name = os.name or _suse_name(os)
            return f"{ecosystem.value}:{name}" if name else ecosystem.value
        case Ecosystem.AMAZON:
            # VERSION_ID is "2" or "2023"; the first Amazon Linux AMI counted years ("2018.03").
            release = major(version)
            if release.startswith("20") and release not in ("2022", "2023") and "." in version:
                release = "1"
            return f"{ecosystem.value}:{release}" if release else ecosystem.value
        case _:
            return f"{ecosystem.value}:{major(version)}" if major(version) else ecosystem.value


def _suse_name(os: OsInfo) -> str:
    version = os.version
    if os.family == "opensuse-tumbleweed":
        return "openSUSE Tumbleweed"
    if os.family.startswith("opensuse-leap"):
        return f"openSUSE Leap {version}".strip()
    if not version:
        return ""
    maj, _, minor = version.partition(".")
    return (
        f"SUSE Linux Enterprise Server {maj} SP{minor}"
        if minor and minor != "0"
        else f"SUSE Linux Enterprise Server {maj}"
    )


def release_for(os: OsInfo | None, manager: Manager) -> Release:
    """How packages recorded by ``manager`` on ``os`` are identified.

    An OS that does not use ``manager`` (or no OS at all) falls back to the manager's home
    distribution without a version: dpkg → Debian, apk → Alpine, rpm → ``generic`` (an rpm database
    on an unknown distribution has no advisory source bastion could pick).
    """
    table = {"dpkg": _DPKG, "apk": _APK, "rpm": _RPM}[manager]
    default_eco, default_ns = _DEFAULT[manager]
    default_osv = "" if default_eco is Ecosystem.GENERIC else default_eco.value
    if os is None:
        return Release(default_eco, default_osv, default_ns, "")
    family = os.family
    distro = f"{family}-{os.version}" if os.version else family
    ecosystem = table.get(family)
    if ecosystem is None:
        # A derivative (Kali, Mint, Raspbian …) or an unknown rpm distribution: keep its own name in
        # the purl, match against the home distribution without a release.
        return Release(default_eco, default_osv, family or default_ns, distro)
    namespace = _RPM_NAMESPACE.get(family, family) if manager == "rpm" else family
    return Release(ecosystem, osv_ecosystem(ecosystem, os), namespace, distro)


def os_ecosystem(os: OsInfo, manager: Manager | None = None) -> tuple[Ecosystem, str]:
    """``(Ecosystem, OSV ecosystem string)`` for an OS, e.g. ``(Ecosystem.DEBIAN, "Debian:12")``.

    Without ``manager`` the OS family decides which package manager is meant; a family bastion does
    not know gives ``(Ecosystem.GENERIC, "")``.
    """
    if manager is None:
        if os.family in _APK:
            manager = "apk"
        elif os.family in _RPM:
            manager = "rpm"
        elif os.family in _DPKG:
            manager = "dpkg"
        else:
            return Ecosystem.GENERIC, ""
    rel = release_for(os, manager)
    return rel.ecosystem, rel.osv_ecosystem
