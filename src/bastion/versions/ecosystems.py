"""The one place that maps an :class:`~bastion.model.Ecosystem` to its version scheme.

Every ecosystem bastion knows is listed in :func:`scheme_for`'s ``match``; adding a member to
``Ecosystem`` without deciding its scheme fails type checking (``assert_never``). Ecosystems whose
version ordering bastion does not implement raise :class:`UnsupportedEcosystem` instead of falling
back to a guess: a wrong order would silently produce wrong matches, and the matcher reports an
unsupported ecosystem as undecidable.
"""

from __future__ import annotations

from typing import assert_never

from bastion.errors import BastionError
from bastion.model.package import Ecosystem
from bastion.versions.apk import Apk
from bastion.versions.base import VersionScheme
from bastion.versions.composer import Composer
from bastion.versions.dpkg import Dpkg
from bastion.versions.go import GoVersion
from bastion.versions.maven import Maven
from bastion.versions.nuget import NuGet
from bastion.versions.pep440 import Pep440
from bastion.versions.rpm import Rpm
from bastion.versions.rubygems import RubyGems
from bastion.versions.semver import NpmSemVer, SemVer

__all__ = ["SEMVER", "UnsupportedEcosystem", "scheme_for"]

PEP440 = Pep440()
SEMVER = SemVer()
"""Strict SemVer 2.0.0: crates.io, Pub, Hex, and OSV's ``SEMVER`` range type whatever the ecosystem."""
NPM = NpmSemVer()
GO = GoVersion()
MAVEN = Maven()
RUBYGEMS = RubyGems()
NUGET = NuGet()
COMPOSER = Composer()
DPKG = Dpkg()
APK = Apk()
RPM = Rpm()


class UnsupportedEcosystem(BastionError):
    """bastion has no version ordering for this ecosystem (yet)."""


def scheme_for(ecosystem: Ecosystem) -> VersionScheme:
    """The version scheme advisories of ``ecosystem`` are ordered by (OSV ``ECOSYSTEM`` ranges)."""
    match ecosystem:
        case Ecosystem.PYPI:
            return PEP440
        case Ecosystem.NPM:
            return NPM
        case Ecosystem.CRATES_IO | Ecosystem.PUB | Ecosystem.HEX:
            return SEMVER
        case Ecosystem.GO:
            return GO
        case Ecosystem.MAVEN:
            return MAVEN
        case Ecosystem.RUBYGEMS:
            return RUBYGEMS
        case Ecosystem.NUGET:
            return NUGET
        case Ecosystem.PACKAGIST:
            return COMPOSER
        case Ecosystem.DEBIAN | Ecosystem.UBUNTU:
            return DPKG
        case Ecosystem.ALPINE | Ecosystem.WOLFI | Ecosystem.CHAINGUARD:
            return APK
        case (
            Ecosystem.REDHAT
            | Ecosystem.CENTOS
            | Ecosystem.ROCKY
            | Ecosystem.ALMA
            | Ecosystem.FEDORA
            | Ecosystem.AMAZON
            | Ecosystem.ORACLE
            | Ecosystem.SUSE
            | Ecosystem.OPENSUSE
        ):
            return RPM
        case Ecosystem.SWIFT | Ecosystem.CONAN | Ecosystem.CONDA | Ecosystem.COCOAPODS | Ecosystem.GENERIC:
            raise UnsupportedEcosystem(
                f"no version ordering is implemented for ecosystem {ecosystem.value!r}",
                hint="advisories for it can only be matched by exact version lists or git ranges",
            )
        case _:
            assert_never(ecosystem)
