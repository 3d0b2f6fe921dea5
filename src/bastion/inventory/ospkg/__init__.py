"""Operating-system package databases: dpkg, apk and rpm. `EXTRACTORS` is this package's registry tuple.

Distribution detection (:mod:`.distro`) and the OS → ecosystem/purl table (:mod:`.release`) live
here too: the scanner calls :func:`detect_os` once per target and every extractor reads the result
from its :class:`~bastion.inventory.base.ExtractContext`.
"""

from __future__ import annotations

from bastion.inventory.base import Extractor
from bastion.inventory.ospkg.apk_installed import ApkInstalledExtractor
from bastion.inventory.ospkg.distro import detect_os
from bastion.inventory.ospkg.dpkg_status import DistrolessDpkgExtractor, DpkgStatusExtractor
from bastion.inventory.ospkg.release import Release, os_ecosystem, release_for
from bastion.inventory.ospkg.rpmdb import RpmDbExtractor

EXTRACTORS: tuple[type[Extractor], ...] = (
    DpkgStatusExtractor,
    DistrolessDpkgExtractor,
    ApkInstalledExtractor,
    RpmDbExtractor,
)

__all__ = [
    "EXTRACTORS",
    "ApkInstalledExtractor",
    "DistrolessDpkgExtractor",
    "DpkgStatusExtractor",
    "Release",
    "RpmDbExtractor",
    "detect_os",
    "os_ecosystem",
    "release_for",
]
