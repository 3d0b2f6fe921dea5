"""Distribution detection over real release files, and the OS → ecosystem / OSV / purl table."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.inventory.ospkg.distro import detect_os, parse_os_release, wants_release_file
from bastion.inventory.ospkg.release import Release, major, os_ecosystem, release_for
from bastion.model import Ecosystem, FileRef, OsInfo
from bastion.targets.directory import DirectoryTree

from .conftest import OS_FIXTURES

RELEASE = OS_FIXTURES / "release"

# scenario folder → (expected OsInfo, expected (Ecosystem, OSV ecosystem string))
DETECT_CASES: list[tuple[Path, OsInfo, tuple[Ecosystem, str]]] = [
    (
        OS_FIXTURES / "dpkg" / "debian12",  # etc/os-release is a symlink to ../usr/lib/os-release
        OsInfo("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm"),
        (Ecosystem.DEBIAN, "Debian:12"),
    ),
    (
        RELEASE / "debian-trixie-sid",  # testing: no VERSION_ID, the codename gives it
        OsInfo("debian", "13", "Debian GNU/Linux trixie/sid", "trixie"),
        (Ecosystem.DEBIAN, "Debian:13"),
    ),
    (
        RELEASE / "debian-version-only",
        OsInfo("debian", "9", "Debian GNU/Linux 9.13", "stretch"),
        (Ecosystem.DEBIAN, "Debian:9"),
    ),
    (
        RELEASE / "distroless-debian12",
        OsInfo("debian", "12", "Distroless", None, distroless=True),
        (Ecosystem.DEBIAN, "Debian:12"),
    ),
    (
        RELEASE / "distroless-statusd-only",  # plain Debian os-release, but status.d/ and no status file
        OsInfo("debian", "12", "Debian GNU/Linux 12 (bookworm)", "bookworm", distroless=True),
        (Ecosystem.DEBIAN, "Debian:12"),
    ),
    (
        RELEASE / "ubuntu-22.04",  # its debian_version says "bookworm/sid": os-release wins
        OsInfo("ubuntu", "22.04", "Ubuntu 22.04.4 LTS", "jammy"),
        (Ecosystem.UBUNTU, "Ubuntu:22.04:LTS"),
    ),
    (
        RELEASE / "ubuntu-23.10",
        OsInfo("ubuntu", "23.10", "Ubuntu 23.10", "mantic"),
        (Ecosystem.UBUNTU, "Ubuntu:23.10"),
    ),
    (
        RELEASE / "ubuntu-14.04-lsb-only",
        OsInfo("ubuntu", "14.04", "Ubuntu 14.04.6 LTS", "trusty"),
        (Ecosystem.UBUNTU, "Ubuntu:14.04:LTS"),
    ),
    (
        RELEASE / "alpine-3.19",
        OsInfo("alpine", "3.19.1", "Alpine Linux v3.19"),
        (Ecosystem.ALPINE, "Alpine:v3.19"),
    ),
    (
        RELEASE / "alpine-release-only",
        OsInfo("alpine", "3.4.6", "Alpine Linux v3.4"),
        (Ecosystem.ALPINE, "Alpine:v3.4"),
    ),
    (RELEASE / "wolfi", OsInfo("wolfi", "20230201", "Wolfi"), (Ecosystem.WOLFI, "Wolfi")),
    (
        RELEASE / "chainguard",
        OsInfo("chainguard", "20230214", "Chainguard"),
        (Ecosystem.CHAINGUARD, "Chainguard"),
    ),
    (
        RELEASE / "rhel-9.3",
        OsInfo("rhel", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)"),
        (Ecosystem.REDHAT, "Red Hat:enterprise_linux:9"),
    ),
    (
        RELEASE / "rocky-9.3",
        OsInfo("rocky", "9.3", "Rocky Linux 9.3 (Blue Onyx)"),
        (Ecosystem.ROCKY, "Rocky Linux:9"),
    ),
    (
        RELEASE / "almalinux-9.3",
        OsInfo("almalinux", "9.3", "AlmaLinux 9.3 (Shamrock Pampas Cat)"),
        (Ecosystem.ALMA, "AlmaLinux:9"),
    ),
    (RELEASE / "centos-7", OsInfo("centos", "7", "CentOS Linux 7 (Core)"), (Ecosystem.CENTOS, "CentOS:7")),
    (
        RELEASE / "centos-6-release-only",
        OsInfo("centos", "6.10", "CentOS release 6.10 (Final)"),
        (Ecosystem.CENTOS, "CentOS:6"),
    ),
    (
        RELEASE / "fedora-39",
        OsInfo("fedora", "39", "Fedora Linux 39 (Container Image)"),
        (Ecosystem.FEDORA, "Fedora:39"),
    ),
    (
        RELEASE / "ol-9.3",
        OsInfo("ol", "9.3", "Oracle Linux Server 9.3"),
        (Ecosystem.ORACLE, "Oracle Linux:9"),
    ),
    (
        RELEASE / "amzn-2023",
        OsInfo("amzn", "2023", "Amazon Linux 2023"),
        (Ecosystem.AMAZON, "Amazon Linux:2023"),
    ),
    (RELEASE / "amzn-2", OsInfo("amzn", "2", "Amazon Linux 2"), (Ecosystem.AMAZON, "Amazon Linux:2")),
    (
        RELEASE / "amzn-1-release-only",
        OsInfo("amzn", "2018.03", "Amazon Linux AMI release 2018.03"),
        (Ecosystem.AMAZON, "Amazon Linux:1"),
    ),
    (
        RELEASE / "sles-15.5",  # only usr/lib/os-release
        OsInfo("sles", "15.5", "SUSE Linux Enterprise Server 15 SP5"),
        (Ecosystem.SUSE, "SUSE:SUSE Linux Enterprise Server 15 SP5"),
    ),
    (
        RELEASE / "sles-12-suse-release-only",
        OsInfo("sles", "12.3", "SUSE Linux Enterprise Server 12 SP3"),
        (Ecosystem.SUSE, "SUSE:SUSE Linux Enterprise Server 12 SP3"),
    ),
    (
        RELEASE / "opensuse-leap-15.5",
        OsInfo("opensuse-leap", "15.5", "openSUSE Leap 15.5"),
        (Ecosystem.OPENSUSE, "openSUSE:openSUSE Leap 15.5"),
    ),
]


@pytest.mark.parametrize(
    ("root", "expected", "ecosystem"), DETECT_CASES, ids=lambda v: v.name if isinstance(v, Path) else ""
)
def test_detect_os(root: Path, expected: OsInfo, ecosystem: tuple[Ecosystem, str]) -> None:
    info = detect_os(DirectoryTree(root))
    assert info == expected
    assert os_ecosystem(info) == ecosystem


def test_detect_os_without_release_files(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "os-release").write_text("# nothing but a comment\n")
    assert detect_os(DirectoryTree(tmp_path)) is None


def test_detect_os_of_a_nested_root() -> None:
    tree = DirectoryTree(OS_FIXTURES)
    assert detect_os(tree, root="release/rocky-9.3") == OsInfo("rocky", "9.3", "Rocky Linux 9.3 (Blue Onyx)")
    assert detect_os(tree, root="/release/alpine-3.19/") == OsInfo("alpine", "3.19.1", "Alpine Linux v3.19")
    assert detect_os(tree) is None  # the fixtures folder itself is no root filesystem


def test_detect_os_symlink_cannot_escape_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (tmp_path / "outside-os-release").write_text("ID=outside\nVERSION_ID=1\n")
    (root / "etc" / "os-release").symlink_to("../../outside-os-release")
    # Resolved inside the root like a chroot: ../../ stops at the root, where there is no such file.
    assert detect_os(DirectoryTree(root)) is None


def test_parse_os_release_quoting() -> None:
    text = 'A="x y"\nB=\'single\'\nC=plain\n# comment\nD="unterminated\nE=\nnot a line\n'
    assert parse_os_release(text) == {"A": "x y", "B": "single", "C": "plain", "D": "unterminated", "E": ""}


WANTS_RELEASE = [
    ("etc/os-release", True),
    ("usr/lib/os-release", True),
    ("etc/alpine-release", True),
    ("etc/system-release", True),
    ("etc/SuSE-release", True),
    ("etc/debian_version", True),
    ("srv/rootfs/etc/os-release", True),  # a nested root filesystem (detect_os(tree, root=...))
    ("srv/rootfs/usr/lib/os-release", True),
    ("etc/os-release.bak", False),
    ("lib/os-release", False),
    ("usr/share/doc/debian_version", False),
]


@pytest.mark.parametrize(("path", "wanted"), WANTS_RELEASE)
def test_wants_release_file(path: str, wanted: bool) -> None:
    assert wants_release_file(FileRef(path)) is wanted


RELEASE_CASES = [
    (OsInfo("debian", "12"), "dpkg", Release(Ecosystem.DEBIAN, "Debian:12", "debian", "debian-12")),
    (
        OsInfo("ubuntu", "22.04"),
        "dpkg",
        Release(Ecosystem.UBUNTU, "Ubuntu:22.04:LTS", "ubuntu", "ubuntu-22.04"),
    ),
    (OsInfo("ubuntu", "24.10"), "dpkg", Release(Ecosystem.UBUNTU, "Ubuntu:24.10", "ubuntu", "ubuntu-24.10")),
    # a derivative keeps its name in the purl and is matched as Debian without a release
    (OsInfo("kali", "2024.1"), "dpkg", Release(Ecosystem.DEBIAN, "Debian", "kali", "kali-2024.1")),
    (None, "dpkg", Release(Ecosystem.DEBIAN, "Debian", "debian", "")),
    (OsInfo("alpine", "3.19.1"), "apk", Release(Ecosystem.ALPINE, "Alpine:v3.19", "alpine", "alpine-3.19.1")),
    (
        OsInfo("alpine", "3.20.0_alpha20240329"),
        "apk",
        Release(Ecosystem.ALPINE, "Alpine:v3.20", "alpine", "alpine-3.20.0_alpha20240329"),
    ),
    (OsInfo("wolfi", "20230201"), "apk", Release(Ecosystem.WOLFI, "Wolfi", "wolfi", "wolfi-20230201")),
    (None, "apk", Release(Ecosystem.ALPINE, "Alpine", "alpine", "")),
    # an apk database on a Debian root (odd, but possible): the OS does not use apk
    (OsInfo("debian", "12"), "apk", Release(Ecosystem.ALPINE, "Alpine", "debian", "debian-12")),
    (
        OsInfo("rhel", "9.3"),
        "rpm",
        Release(Ecosystem.REDHAT, "Red Hat:enterprise_linux:9", "redhat", "rhel-9.3"),
    ),
    (OsInfo("rocky", "9.3"), "rpm", Release(Ecosystem.ROCKY, "Rocky Linux:9", "rocky", "rocky-9.3")),
    (OsInfo("almalinux", "8.9"), "rpm", Release(Ecosystem.ALMA, "AlmaLinux:8", "almalinux", "almalinux-8.9")),
    (OsInfo("amzn", "2023"), "rpm", Release(Ecosystem.AMAZON, "Amazon Linux:2023", "amazon", "amzn-2023")),
    (OsInfo("ol", "8.9"), "rpm", Release(Ecosystem.ORACLE, "Oracle Linux:8", "oracle", "ol-8.9")),
    (
        OsInfo("sles", "15.5"),
        "rpm",
        Release(Ecosystem.SUSE, "SUSE:SUSE Linux Enterprise Server 15 SP5", "suse", "sles-15.5"),
    ),
    (
        OsInfo("opensuse-tumbleweed", "20240301"),
        "rpm",
        Release(
            Ecosystem.OPENSUSE, "openSUSE:openSUSE Tumbleweed", "opensuse", "opensuse-tumbleweed-20240301"
        ),
    ),
    (OsInfo("photon", "5.0"), "rpm", Release(Ecosystem.GENERIC, "", "photon", "photon-5.0")),
    (None, "rpm", Release(Ecosystem.GENERIC, "", "", "")),
]


@pytest.mark.parametrize(("os_info", "manager", "expected"), RELEASE_CASES)
def test_release_for(os_info: OsInfo | None, manager: str, expected: Release) -> None:
    assert release_for(os_info, manager) == expected  # type: ignore[arg-type]


def test_os_ecosystem_of_an_unknown_family() -> None:
    assert os_ecosystem(OsInfo("plan9", "4")) == (Ecosystem.GENERIC, "")


@pytest.mark.parametrize(
    ("text", "expected"), [("9.3", "9"), ("12", "12"), ("2023.3.20240304", "2023"), ("", ""), ("v3", "")]
)
def test_major(text: str, expected: str) -> None:
    assert major(text) == expected
