"""Which paths each OS extractor wants (by path only), and that fast dispatch reaches it for them."""

from __future__ import annotations

import pytest

from bastion.inventory.base import Extractor
from bastion.inventory.ospkg import EXTRACTORS
from bastion.inventory.ospkg.apk_installed import ApkInstalledExtractor
from bastion.inventory.ospkg.dpkg_status import DistrolessDpkgExtractor, DpkgStatusExtractor
from bastion.inventory.ospkg.rpmdb import RpmDbExtractor
from bastion.inventory.runner import want_fn
from bastion.model import FileRef

WANTS: list[tuple[type[Extractor], str, bool]] = [
    (DpkgStatusExtractor, "var/lib/dpkg/status", True),
    (DpkgStatusExtractor, "srv/rootfs/var/lib/dpkg/status", True),  # a nested root filesystem
    (DpkgStatusExtractor, "var/lib/dpkg/status-old", False),
    (DpkgStatusExtractor, "var/lib/dpkg/available", False),
    (DpkgStatusExtractor, "home/me/status", False),
    (DpkgStatusExtractor, "var/lib/dpkg/status.d/libc6", False),
    (DpkgStatusExtractor, "myvar/lib/dpkg/status", False),
    (DistrolessDpkgExtractor, "var/lib/dpkg/status.d/libc6", True),
    (DistrolessDpkgExtractor, "var/lib/dpkg/status.d/base-files", True),
    (DistrolessDpkgExtractor, "layers/x/var/lib/dpkg/status.d/tzdata", True),
    (DistrolessDpkgExtractor, "var/lib/dpkg/status.d/base-files.md5sums", False),
    (DistrolessDpkgExtractor, "var/lib/dpkg/status.d/sub/dir", False),
    (DistrolessDpkgExtractor, "var/lib/dpkg/status", False),
    (DistrolessDpkgExtractor, "etc/status.d/x", False),
    (DistrolessDpkgExtractor, "usr/bin/bash", False),
    (ApkInstalledExtractor, "lib/apk/db/installed", True),
    (ApkInstalledExtractor, "rootfs/lib/apk/db/installed", True),
    (ApkInstalledExtractor, "usr/lib/apk/db/installed", True),  # apk-tools 3 / merged-usr layouts
    (ApkInstalledExtractor, "lib/apk/db/installed.new", False),
    (ApkInstalledExtractor, "lib/apk/db/scripts.tar", False),
    (ApkInstalledExtractor, "opt/app/installed", False),
    (RpmDbExtractor, "var/lib/rpm/Packages", True),
    (RpmDbExtractor, "var/lib/rpm/rpmdb.sqlite", True),
    (RpmDbExtractor, "var/lib/rpm/Packages.db", True),
    (RpmDbExtractor, "usr/lib/sysimage/rpm/rpmdb.sqlite", True),
    (RpmDbExtractor, "usr/lib/sysimage/rpm/Packages.db", True),
    (RpmDbExtractor, "images/c7/var/lib/rpm/Packages", True),
    (RpmDbExtractor, "var/lib/rpm/Name", False),
    (RpmDbExtractor, "var/lib/rpm/rpmdb.sqlite-wal", False),
    (RpmDbExtractor, "var/lib/rpm/rpmdb.sqlite-shm", False),
    (RpmDbExtractor, "home/me/Packages", False),
    (RpmDbExtractor, "var/lib/rpm/backup/Packages", False),
]


@pytest.mark.parametrize(("cls", "path", "wanted"), WANTS, ids=[f"{c.plugin.name}:{p}" for c, p, _ in WANTS])
def test_wants(cls: type[Extractor], path: str, wanted: bool) -> None:
    entry = FileRef(path, size=1234)
    assert cls().wants(entry) is wanted
    # The runner's name/suffix index must route every wanted path to the extractor (companion files
    # are materialised without being extracted).
    companion = entry.name in getattr(cls, "companion_names", ())
    assert want_fn([cls()])(entry) is (wanted or companion)


def test_rpm_wal_is_a_companion() -> None:
    entry = FileRef("var/lib/rpm/rpmdb.sqlite-wal", size=4096)
    assert not RpmDbExtractor().wants(entry)
    assert want_fn([RpmDbExtractor()])(entry)


def test_registry_tuple_and_plugin_ids() -> None:
    assert [cls.plugin.name for cls in EXTRACTORS] == ["os/dpkg", "os/dpkg-distroless", "os/apk", "os/rpm"]
    assert all(cls.plugin.version == 1 for cls in EXTRACTORS)
