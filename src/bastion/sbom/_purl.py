"""Package URLs as SBOMs carry them → bastion's ecosystem, package name, version and distribution.

A decoded SBOM has no lockfile to tell the ecosystem, so the purl type and its namespace/``distro``
qualifier decide it: ``pkg:deb/debian/…?distro=debian-12`` is Debian, ``pkg:apk/alpine/…`` Alpine,
``pkg:golang/…`` Go (``stdlib`` included), ``pkg:rpm/redhat/…`` Red Hat. Names follow the OSV
conventions the matcher uses: ``group:artifact`` for Maven, ``@scope/name`` for npm, the module path for
Go, ``vendor/name`` for Composer.
"""

from __future__ import annotations

from dataclasses import dataclass

from packageurl import PackageURL

from bastion.model import Ecosystem, OsInfo

#: purl type → ecosystem, for types that name one ecosystem.
LANGUAGE_TYPES: dict[str, Ecosystem] = {
    "pypi": Ecosystem.PYPI,
    "npm": Ecosystem.NPM,
    "golang": Ecosystem.GO,
    "cargo": Ecosystem.CRATES_IO,
    "maven": Ecosystem.MAVEN,
    "gem": Ecosystem.RUBYGEMS,
    "composer": Ecosystem.PACKAGIST,
    "nuget": Ecosystem.NUGET,
    "pub": Ecosystem.PUB,
    "hex": Ecosystem.HEX,
    "swift": Ecosystem.SWIFT,
    "conan": Ecosystem.CONAN,
    "conda": Ecosystem.CONDA,
    "cocoapods": Ecosystem.COCOAPODS,
}

#: Distribution ids (purl namespaces, ``distro`` qualifier prefixes, os-release IDs) → ecosystem.
DISTROS: dict[str, Ecosystem] = {
    "debian": Ecosystem.DEBIAN,
    "ubuntu": Ecosystem.UBUNTU,
    "alpine": Ecosystem.ALPINE,
    "wolfi": Ecosystem.WOLFI,
    "chainguard": Ecosystem.CHAINGUARD,
    "redhat": Ecosystem.REDHAT,
    "rhel": Ecosystem.REDHAT,
    "centos": Ecosystem.CENTOS,
    "rocky": Ecosystem.ROCKY,
    "almalinux": Ecosystem.ALMA,
    "alma": Ecosystem.ALMA,
    "fedora": Ecosystem.FEDORA,
    "amzn": Ecosystem.AMAZON,
    "amazon": Ecosystem.AMAZON,
    "ol": Ecosystem.ORACLE,
    "oracle": Ecosystem.ORACLE,
    "sles": Ecosystem.SUSE,
    "suse": Ecosystem.SUSE,
    "sle_hpc": Ecosystem.SUSE,
    "opensuse": Ecosystem.OPENSUSE,
    "opensuse-leap": Ecosystem.OPENSUSE,
    "opensuse.leap": Ecosystem.OPENSUSE,
    "opensuse-tumbleweed": Ecosystem.OPENSUSE,
    "opensuse.tumbleweed": Ecosystem.OPENSUSE,
}

OS_TYPES = frozenset({"deb", "apk", "rpm"})
#: Default distribution of an OS purl type without namespace or distro qualifier.
_OS_TYPE_DEFAULT = {"deb": Ecosystem.DEBIAN, "apk": Ecosystem.ALPINE}

#: purl types whose namespace is part of the package's name, and the separator OSV uses.
_NAMESPACE_JOIN = {"maven": ":", "npm": "/", "golang": "/", "composer": "/", "swift": "/", "conan": "/"}


def parse(text: str) -> PackageURL | None:
    """A purl, or None when the text is not one."""
    if not text or not text.startswith("pkg:"):
        return None
    try:
        return PackageURL.from_string(text)
    except ValueError:
        return None


def split_distro(value: str) -> tuple[str, str]:
    """``debian-12`` → (``debian``, ``12``); ``3.19.1`` (trivy's Alpine form) → (``""``, ``3.19.1``).

    Ids may contain ``-`` (``opensuse-leap-15.5``): the version is what follows the last ``-`` that is
    followed by a digit.
    """
    value = value.strip()
    if not value:
        return "", ""
    if value[0].isdigit():
        return "", value
    for i in range(len(value) - 1, 0, -1):
        if value[i] == "-" and value[i + 1 : i + 2].isdigit():
            return value[:i].lower(), value[i + 1 :]
    return value.lower(), ""


@dataclass(frozen=True, slots=True)
class PurlFacts:
    ecosystem: Ecosystem
    name: str
    version: str
    distro: OsInfo | None


def facts(purl: PackageURL, *, name_hint: str | None = None, version_hint: str | None = None) -> PurlFacts:
    """Ecosystem, OSV-style name, version and distribution of one purl.

    ``name_hint``/``version_hint`` are the SBOM's own name and version fields: a PyPI component named
    ``Flask`` keeps that spelling (its purl is normalised to ``flask``), and an OS package's version keeps
    its epoch (``1:2.5.1-4``) whether the tool wrote it into the version or into an ``epoch`` qualifier.
    """
    ptype = purl.type.lower()
    quals = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    namespace = purl.namespace or ""
    distro = _distro(ptype, namespace, quals)
    ecosystem = _ecosystem(ptype, namespace, distro)

    sep = _NAMESPACE_JOIN.get(ptype)
    if sep is not None and namespace:
        name = f"{namespace}{sep}{purl.name}"
    elif name_hint and name_hint.lower().replace("_", "-") == purl.name.lower().replace("_", "-"):
        name = name_hint
    else:
        name = purl.name

    if not purl.version and (version_hint or "").upper() in ("UNKNOWN", "NOASSERTION"):
        version_hint = None  # syft's placeholder for "no version", not a version
    version = version_hint or purl.version or ""
    if ptype == "golang":
        version = _go_version(name, version)
    epoch = quals.get("epoch", "")
    if ptype in ("deb", "rpm") and epoch and epoch != "0" and not version.startswith(f"{epoch}:"):
        version = f"{epoch}:{version}"
    return PurlFacts(ecosystem=ecosystem, name=name, version=version, distro=distro)


def _go_version(name: str, version: str) -> str:
    """Go's toolchain as the Go vulnerability database names it (``stdlib`` ``1.19.8``: syft writes
    ``go1.19.8``, trivy ``v1.19.8``), and no version for a main module built from a checkout (``(devel)``)."""
    if version == "(devel)":
        return ""
    if name == "stdlib":
        if version.startswith("go"):
            version = version[2:]
        return version.removeprefix("v").split(" ", 1)[0]
    return version


def _distro(ptype: str, namespace: str, quals: dict[str, str]) -> OsInfo | None:
    if ptype not in OS_TYPES:
        return None
    family, version = split_distro(quals.get("distro", ""))
    family = family or namespace.lower()
    if not family:
        return None
    return OsInfo(family=family, version=version)


def _ecosystem(ptype: str, namespace: str, distro: OsInfo | None) -> Ecosystem:
    lang = LANGUAGE_TYPES.get(ptype)
    if lang is not None:
        return lang
    if ptype in OS_TYPES:
        for key in (namespace.lower(), distro.family if distro else ""):
            eco = DISTROS.get(key)
            if eco is not None:
                return eco
        return _OS_TYPE_DEFAULT.get(ptype, Ecosystem.GENERIC)
    return Ecosystem.GENERIC


def ecosystem_for_os(family: str) -> Ecosystem | None:
    return DISTROS.get(family.lower())
