"""Version schemes: parse version strings of one ecosystem into totally ordered keys.

Use :func:`scheme_for` to get the scheme of an ecosystem and :data:`SEMVER` for OSV ``SEMVER``
ranges; every scheme's ``parse`` raises :class:`InvalidVersion` for strings its ecosystem rejects.
See ``docs/versions.md`` for the rules, sources of the test vectors and known deviations.
"""

from bastion.versions.apk import Apk
from bastion.versions.base import InvalidVersion, SupportsOrdering, VersionScheme, compare
from bastion.versions.composer import Composer
from bastion.versions.dpkg import Dpkg
from bastion.versions.ecosystems import SEMVER, UnsupportedEcosystem, scheme_for
from bastion.versions.go import GoVersion
from bastion.versions.maven import Maven
from bastion.versions.nuget import NuGet
from bastion.versions.pep440 import Pep440
from bastion.versions.rpm import Rpm
from bastion.versions.rubygems import RubyGems
from bastion.versions.semver import NpmSemVer, SemVer

__all__ = [
    "SEMVER",
    "Apk",
    "Composer",
    "Dpkg",
    "GoVersion",
    "InvalidVersion",
    "Maven",
    "NpmSemVer",
    "NuGet",
    "Pep440",
    "Rpm",
    "RubyGems",
    "SemVer",
    "SupportsOrdering",
    "UnsupportedEcosystem",
    "VersionScheme",
    "compare",
    "scheme_for",
]
