"""The Ecosystem → VersionScheme table."""

from __future__ import annotations

import pytest

from bastion.model import Ecosystem
from bastion.versions import (
    SEMVER,
    Apk,
    Composer,
    Dpkg,
    GoVersion,
    Maven,
    NpmSemVer,
    NuGet,
    Pep440,
    Rpm,
    RubyGems,
    SemVer,
    UnsupportedEcosystem,
    VersionScheme,
    scheme_for,
)

EXPECTED: dict[Ecosystem, type] = {
    Ecosystem.PYPI: Pep440,
    Ecosystem.NPM: NpmSemVer,
    Ecosystem.CRATES_IO: SemVer,
    Ecosystem.PUB: SemVer,
    Ecosystem.HEX: SemVer,
    Ecosystem.GO: GoVersion,
    Ecosystem.MAVEN: Maven,
    Ecosystem.RUBYGEMS: RubyGems,
    Ecosystem.NUGET: NuGet,
    Ecosystem.PACKAGIST: Composer,
    Ecosystem.DEBIAN: Dpkg,
    Ecosystem.UBUNTU: Dpkg,
    Ecosystem.ALPINE: Apk,
    Ecosystem.WOLFI: Apk,
    Ecosystem.CHAINGUARD: Apk,
    Ecosystem.REDHAT: Rpm,
    Ecosystem.CENTOS: Rpm,
    Ecosystem.ROCKY: Rpm,
    Ecosystem.ALMA: Rpm,
    Ecosystem.FEDORA: Rpm,
    Ecosystem.AMAZON: Rpm,
    Ecosystem.ORACLE: Rpm,
    Ecosystem.SUSE: Rpm,
    Ecosystem.OPENSUSE: Rpm,
}
UNSUPPORTED = {Ecosystem.SWIFT, Ecosystem.CONAN, Ecosystem.CONDA, Ecosystem.COCOAPODS, Ecosystem.GENERIC}


def test_every_ecosystem_is_decided() -> None:
    assert set(EXPECTED) | UNSUPPORTED == set(Ecosystem)
    assert not set(EXPECTED) & UNSUPPORTED


@pytest.mark.parametrize("ecosystem", sorted(EXPECTED, key=str))
def test_scheme_for(ecosystem: Ecosystem) -> None:
    scheme = scheme_for(ecosystem)
    assert type(scheme) is EXPECTED[ecosystem]
    assert isinstance(scheme, VersionScheme)
    assert scheme_for(ecosystem) is scheme  # one shared instance per scheme


@pytest.mark.parametrize("ecosystem", sorted(UNSUPPORTED, key=str))
def test_unsupported(ecosystem: Ecosystem) -> None:
    with pytest.raises(UnsupportedEcosystem, match=ecosystem.value):
        scheme_for(ecosystem)


def test_semver_constant_is_strict_semver() -> None:
    assert type(SEMVER) is SemVer
    assert SEMVER.name == "semver"


def test_scheme_names_are_unique() -> None:
    names = [scheme_for(e).name for e in EXPECTED]
    by_type = {type(scheme_for(e)): scheme_for(e).name for e in EXPECTED}
    assert len(set(by_type.values())) == len(by_type)
    assert set(names) == set(by_type.values())
