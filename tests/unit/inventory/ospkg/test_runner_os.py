"""The OS extractors through the inventory runner: one walk, several root filesystems, unknowns, statuses."""

from __future__ import annotations

from collections import Counter

from bastion.inventory import registry
from bastion.inventory.ospkg.distro import detect_os
from bastion.inventory.runner import run_extractors
from bastion.model import Ecosystem, PluginState
from bastion.targets.directory import DirectoryTree

from .conftest import OS_FIXTURES


def test_each_nested_root_gets_its_own_os() -> None:
    """Scanning the fixtures folder: every database is described by the release files of its own root."""
    tree = DirectoryTree(OS_FIXTURES)
    assert detect_os(tree) is None
    run = run_extractors(tree, registry.build(["os"]), os_info=None)
    packages = run.inventory.packages

    def purl_of(path_prefix: str, name: str) -> str:
        return next(p.purl for p in packages if p.name == name and (p.path or "").startswith(path_prefix))

    assert (
        purl_of("dpkg/debian12/", "libssl3")
        == "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12"
    )
    assert purl_of("dpkg/trivy-only-apt/", "apt") == "pkg:deb/debian/apt@1.6.3ubuntu0.1?arch=amd64"
    assert purl_of("dpkg/distroless-debian12/", "tzdata") == (
        "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12"
    )
    assert purl_of("rpm/el9-sqlite/", "openssl") == (
        "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1"
    )
    assert purl_of("rpm/el9-bdb/", "openssl") == "pkg:rpm/openssl@3.0.7-24.el9?arch=x86_64&epoch=1"
    assert purl_of("release/distroless-debian12/", "base-files") == (
        "pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&distro=debian-12"
    )

    ecosystems = Counter(p.ecosystem for p in packages if (p.path or "").startswith("rpm/el9-sqlite/"))
    assert set(ecosystems) == {Ecosystem.REDHAT}

    # dependency references were resolved to package ids of the same database
    ids = {p.id: p for p in packages}
    bash = next(p for p in packages if p.name == "bash" and (p.path or "").startswith("dpkg/debian12/"))
    assert sorted(ids[d].name for d in bash.dependencies) == ["base-files", "libc6"]
    assert all(ids[d].path == bash.path for d in bash.dependencies)

    # the deliberately broken inputs became unknowns, attributed to their plugin
    unknowns = {(u.path, u.plugin) for u in run.inventory.unknowns}
    assert ("dpkg/trivy-corrupted/var/lib/dpkg/status", "os/dpkg") in unknowns
    assert ("apk/trivy-alpine34/lib/apk/db/installed", "os/apk") in unknowns

    states = {s.name: s for s in run.statuses}
    assert states["os/rpm"].state is PluginState.SUCCEEDED
    assert states["os/rpm"].files == 4  # sqlite, ndb and two Berkeley DB files
    assert states["os/dpkg-distroless"].files == 6  # 4 + 1 + 1 status.d stanzas; md5sums not wanted
    assert states["os/apk"].items == 15


def test_multilib_twins_are_two_packages() -> None:
    """glibc.i686 and glibc.x86_64 of one version in one database: same name, version and path."""
    tree = DirectoryTree(OS_FIXTURES / "rpm" / "el9-sqlite")
    run = run_extractors(tree, registry.build(["os/rpm"]), os_info=detect_os(tree))
    glibc = sorted(p.purl for p in run.inventory.packages if p.name == "glibc")
    assert glibc == [
        "pkg:rpm/redhat/glibc@2.34-83.el9?arch=i686&distro=rhel-9.3",
        "pkg:rpm/redhat/glibc@2.34-83.el9?arch=x86_64&distro=rhel-9.3",
    ]
    assert len(run.inventory.packages) == run.statuses[0].items == 8
    assert len({p.id for p in run.inventory.packages}) == 8
