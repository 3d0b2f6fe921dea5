"""Packages: what an extractor finds, with where it was found and how it is matched."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class Ecosystem(StrEnum):
    """Ecosystems, spelled as the OSV schema spells them where OSV has a name for them.

    The ecosystem says how a package is *matched* (which advisories, which version scheme); the
    plugin that found it (``Package.found_by``) says how it was *read*. A poetry.lock and an installed
    dist-info are both ``PYPI``.
    """

    # language ecosystems
    PYPI = "PyPI"
    NPM = "npm"
    GO = "Go"
    CRATES_IO = "crates.io"
    MAVEN = "Maven"
    RUBYGEMS = "RubyGems"
    PACKAGIST = "Packagist"
    NUGET = "NuGet"
    PUB = "Pub"
    HEX = "Hex"
    SWIFT = "SwiftURL"
    CONAN = "ConanCenter"
    CONDA = "conda"
    COCOAPODS = "CocoaPods"
    # operating systems
    DEBIAN = "Debian"
    UBUNTU = "Ubuntu"
    ALPINE = "Alpine"
    WOLFI = "Wolfi"
    CHAINGUARD = "Chainguard"
    REDHAT = "Red Hat"
    CENTOS = "CentOS"
    ROCKY = "Rocky Linux"
    ALMA = "AlmaLinux"
    FEDORA = "Fedora"
    AMAZON = "Amazon Linux"
    ORACLE = "Oracle Linux"
    SUSE = "SUSE"
    OPENSUSE = "openSUSE"
    # anything else (binaries without a package manager, unknown distros)
    GENERIC = "generic"

    @property
    def is_os(self) -> bool:
        return self in _OS_ECOSYSTEMS


_OS_ECOSYSTEMS = frozenset(
    {
        Ecosystem.DEBIAN,
        Ecosystem.UBUNTU,
        Ecosystem.ALPINE,
        Ecosystem.WOLFI,
        Ecosystem.CHAINGUARD,
        Ecosystem.REDHAT,
        Ecosystem.CENTOS,
        Ecosystem.ROCKY,
        Ecosystem.ALMA,
        Ecosystem.FEDORA,
        Ecosystem.AMAZON,
        Ecosystem.ORACLE,
        Ecosystem.SUSE,
        Ecosystem.OPENSUSE,
    }
)


@dataclass(frozen=True, slots=True)
class Location:
    """Where something was found. Packages use ``path`` and ``layer``; findings may add the rest.

    ``layer`` is the diff ID of the image layer (None outside images); ``resource`` names an IaC
    resource (``aws_s3_bucket.data``, ``Deployment/prod/web``) or an image-config field (``config.env``).
    """

    path: str
    layer: str | None = None
    line: int | None = None
    end_line: int | None = None
    resource: str | None = None


@dataclass(frozen=True, slots=True)
class Package:
    """One package found in a target.

    ``version`` is the exact version as the ecosystem spells it; an empty string means the source
    did not pin one (an unpinned requirement: ``metadata["constraint"]`` holds the specifier).
    ``source_name``/``source_version`` are the OS source package (dpkg ``Source:``, apk origin, rpm
    SRPM), which is what distro advisories name.

    ``dependencies``: while an extractor builds packages, entries are references to other packages
    of the *same file*, written ``name`` or ``name@version``; the inventory runner resolves them into
    package ids (:func:`package_id`) and drops references it cannot resolve.

    ``direct``: True for a dependency the project declares itself, False for a transitive one, None
    when the format does not say. ``dev``: True for development/test-only dependencies, None when unknown.
    """

    name: str
    version: str
    ecosystem: Ecosystem
    purl: str
    locations: tuple[Location, ...] = ()
    found_by: str = ""
    id: str = ""
    source_name: str | None = None
    source_version: str | None = None
    direct: bool | None = None
    dev: bool | None = None
    licenses: tuple[str, ...] = ()
    dependencies: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> str | None:
        return self.locations[0].path if self.locations else None


def package_id(ecosystem: str, name: str, version: str, path: str | None) -> str:
    """A short, stable identifier for a package found at ``path`` (the first location).

    Stable across re-scans of the same content, unique within one result.
    """
    text = f"{ecosystem}\x00{name}\x00{version}\x00{path or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]
