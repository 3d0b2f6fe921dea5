"""dpkg status and distroless status.d: complete expected packages for small real fixtures."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.ospkg.dpkg_status import (
    DistrolessDpkgExtractor,
    DpkgStatusExtractor,
    iter_stanzas,
    owned_files,
    parse_relations,
)
from bastion.model import Ecosystem, Location, OsInfo, Package
from bastion.targets.directory import DirectoryTree

from .conftest import OS_FIXTURES, Run

DPKG = OS_FIXTURES / "dpkg"
STATUS = "var/lib/dpkg/status"


def deb(
    name: str,
    version: str,
    purl: str,
    *,
    source: tuple[str, str] | None = None,
    deps: tuple[str, ...] = (),
    metadata: dict[str, str],
    path: str = STATUS,
    found_by: str = "os/dpkg",
    ecosystem: Ecosystem = Ecosystem.DEBIAN,
    licenses: tuple[str, ...] = (),
) -> Package:
    source_name, source_version = source or (name, version)
    return Package(
        name=name,
        version=version,
        ecosystem=ecosystem,
        purl=purl,
        locations=(Location(path),),
        found_by=found_by,
        source_name=source_name,
        source_version=source_version,
        licenses=licenses,
        dependencies=deps,
        metadata=metadata,
    )


AMD64_FOREIGN = {"arch": "amd64", "multi_arch": "foreign"}
ALL_FOREIGN = {"arch": "all", "multi_arch": "foreign"}

OPENSSL_LICENSES = ("Apache-2.0", "Artistic-1.0-Perl", "GPL-1.0-or-later", "GPL-1.0-only")
DIFFUTILS_LICENSES = (
    "GPL-3.0-or-later",
    "FSFULLR",
    "LGPL-2.1-or-later",
    "GPL-3+ with autoconf exception",
    "GPL-3+ with texinfo exception",
    "LGPL-2.0-or-later",
    "GPL-2.0-or-later",
    "X11",
    "FSFAP",
    "GFDL-1.3-no-invariants-only",
    "LGPL-3.0-or-later",
    "public-domain",
    "GPL-3.0-only",
    "LGPL-3.0-only",
    "LGPL-2.0-only",
    "LGPL-2.1-only",
    "GPL-2.0-only",
    "GFDL-1.3-only",
)

# licenses: from each package's usr/share/doc/<name>/copyright in the fixture root
DEBIAN12 = [
    deb(
        "base-files",
        "12.4+deb12u11",
        "pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&distro=debian-12",
        metadata=AMD64_FOREIGN,
        licenses=("GPL",),
    ),
    deb(
        "bash",
        "5.2.15-2+b8",
        "pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12",
        source=("bash", "5.2.15-2"),  # a binNMU: "Source: bash (5.2.15-2)"
        deps=("libc6", "base-files"),  # Pre-Depends first; libtinfo6 and debianutils are not installed here
        metadata=AMD64_FOREIGN,
        licenses=(
            "GPL-3.0-or-later",
            "GPL-3+ with Bison exception",
            "GPL-2.0-or-later",
            "GFDL-1.3-no-invariants-only",
            "Latex2e",
            "BSD-4-Clause-UC",
            "MIT-like",
            "permissive",
            "GPL-3.0-only",
            "GPL-2.0-only",
            "GFDL-1.3-only",
        ),
    ),
    deb(
        "libc6",
        "2.36-9+deb12u14",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12",
        source=("glibc", "2.36-9+deb12u14"),
        metadata={"arch": "amd64", "multi_arch": "same"},
        licenses=("LGPL-2.1-only", "GPL-2.0-only"),
    ),
    deb(
        "libssl3",
        "3.0.19-1~deb12u2",
        "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12",
        source=("openssl", "3.0.19-1~deb12u2"),
        deps=("libc6",),
        metadata={"arch": "amd64", "multi_arch": "same"},
        licenses=OPENSSL_LICENSES,
    ),
    deb(
        "openssl",
        "3.0.19-1~deb12u2",
        "pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64&distro=debian-12",
        deps=("libc6", "libssl3"),
        metadata=AMD64_FOREIGN,
        licenses=OPENSSL_LICENSES,
    ),
    deb(
        "tzdata",
        "2025b-0+deb12u2",
        "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12",
        deps=("debconf",),  # "debconf (>= 0.5) | debconf-2.0": both name the installed debconf
        metadata=ALL_FOREIGN,
        licenses=("public-domain",),
    ),
    deb(
        "diffutils",
        "1:3.8-4",
        "pkg:deb/debian/diffutils@3.8-4?arch=amd64&distro=debian-12&epoch=1",
        deps=("libc6",),
        metadata={"arch": "amd64", "epoch": "1"},
        licenses=DIFFUTILS_LICENSES,
    ),
    deb(
        "debconf",
        "1.5.82",
        "pkg:deb/debian/debconf@1.5.82?arch=all&distro=debian-12",
        metadata=ALL_FOREIGN,
        licenses=("BSD-2-Clause",),
    ),
]

THIRD_PARTY = [
    deb(
        "docker-ce",
        "5:20.10.7~3-0~debian-buster",
        "pkg:deb/debian/docker-ce@20.10.7~3-0~debian-buster?arch=amd64&epoch=5",
        metadata={"arch": "amd64", "epoch": "5"},
    ),
    deb("apt", "1.6.3ubuntu0.1", "pkg:deb/debian/apt@1.6.3ubuntu0.1?arch=amd64", metadata={"arch": "amd64"}),
]

ONLY_APT = [
    deb("apt", "1.6.3ubuntu0.1", "pkg:deb/debian/apt@1.6.3ubuntu0.1?arch=amd64", metadata={"arch": "amd64"}),
]

CORRUPTED = [
    deb(
        "libpam-runtime",
        "1.1.8-3.1ubuntu3",
        "pkg:deb/debian/libpam-runtime@1.1.8-3.1ubuntu3?arch=all",
        source=("pam", "1.1.8-3.1ubuntu3"),
        metadata=ALL_FOREIGN,
    ),
    deb(
        "libpam-modules-bin",
        "1.1.8-3.1ubuntu3",
        "pkg:deb/debian/libpam-modules-bin@1.1.8-3.1ubuntu3?arch=amd64",
        source=("pam", "1.1.8-3.1ubuntu3"),
        metadata=AMD64_FOREIGN,
    ),
    deb(
        "makedev", "2.3.1-93ubuntu1", "pkg:deb/debian/makedev@2.3.1-93ubuntu1?arch=all", metadata=ALL_FOREIGN
    ),
    deb(
        "libgcc1",
        "1:5.1.1-12ubuntu1",
        "pkg:deb/debian/libgcc1@5.1.1-12ubuntu1?arch=amd64&epoch=1",
        source=("gcc-5", "5.1.1-12ubuntu1"),  # the source version carries no epoch
        metadata={"arch": "amd64", "epoch": "1", "multi_arch": "same"},
    ),
]
CORRUPTED_WARNINGS = [
    (
        STATUS,
        "line 63: package 'brokenPackageWithNoVersionThatShouldGetThrownOut' has no Status field; skipped",
    ),
    (STATUS, "line 85: package 'invalidpkg' has no Status field; skipped"),
]

# Real stanzas whose Status was set to each dpkg state: files on disk → reported, with the state.
STATES = [
    deb(
        "bash",
        "5.2.15-2+b8",
        "pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64",
        source=("bash", "5.2.15-2"),
        deps=("libc6",),
        metadata=AMD64_FOREIGN,
    ),
    deb(
        "diffutils",
        "1:3.8-4",
        "pkg:deb/debian/diffutils@3.8-4?arch=amd64&epoch=1",
        deps=("libc6",),
        metadata={"arch": "amd64", "epoch": "1", "status": "unpacked"},
    ),
    deb(
        "openssl",
        "3.0.19-1~deb12u2",
        "pkg:deb/debian/openssl@3.0.19-1~deb12u2?arch=amd64",
        deps=("libc6", "libssl3"),
        metadata={**AMD64_FOREIGN, "status": "half-configured"},
    ),
    deb(
        "libssl3",
        "3.0.19-1~deb12u2",
        "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64",
        source=("openssl", "3.0.19-1~deb12u2"),
        deps=("libc6",),
        metadata={"arch": "amd64", "multi_arch": "same", "status": "half-installed"},
    ),
    deb(
        "tzdata",
        "2025b-0+deb12u2",
        "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all",
        metadata={**ALL_FOREIGN, "status": "triggers-pending"},  # debconf is only config-files here
    ),
    # debconf (config-files) and base-files (not-installed) are gone; libc6 is held but installed
    deb(
        "libc6",
        "2.36-9+deb12u14",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64",
        source=("glibc", "2.36-9+deb12u14"),
        metadata={"arch": "amd64", "multi_arch": "same"},
    ),
]

STATUS_CASES = [
    ("debian12", DEBIAN12, []),
    ("trivy-third-party", THIRD_PARTY, []),
    ("trivy-only-apt", ONLY_APT, []),
    ("trivy-corrupted", CORRUPTED, CORRUPTED_WARNINGS),
    ("states", STATES, []),
]


@pytest.mark.parametrize(("scenario", "expected", "warnings"), STATUS_CASES, ids=[c[0] for c in STATUS_CASES])
def test_status(
    extract: Run, scenario: str, expected: list[Package], warnings: list[tuple[str, str]]
) -> None:
    packages, got_warnings = extract(DpkgStatusExtractor(), DPKG / scenario, STATUS)
    assert packages == expected
    assert got_warnings == warnings


def _distroless(name: str, version: str, purl: str, **kw: object) -> Package:
    return deb(name, version, purl, path=f"var/lib/dpkg/status.d/{name}", found_by="os/dpkg-distroless", **kw)  # type: ignore[arg-type]


DISTROLESS_CASES = [
    _distroless(
        "base-files",
        "12.4+deb12u11",
        "pkg:deb/debian/base-files@12.4%2Bdeb12u11?arch=amd64&distro=debian-12",
        metadata=AMD64_FOREIGN,
        licenses=("GPL",),
    ),
    _distroless(
        "libc6",
        "2.36-9+deb12u14",
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12",
        source=("glibc", "2.36-9+deb12u14"),
        metadata={"arch": "amd64", "multi_arch": "same"},
        licenses=("LGPL-2.1-only", "GPL-2.0-only"),
    ),
    _distroless(
        "libssl3",
        "3.0.19-1~deb12u2",
        "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12",
        source=("openssl", "3.0.19-1~deb12u2"),
        metadata={"arch": "amd64", "multi_arch": "same"},  # libc6 lives in another file: no edge
        licenses=OPENSSL_LICENSES,
    ),
    _distroless(
        "tzdata",
        "2025b-0+deb12u2",
        "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12",
        metadata=ALL_FOREIGN,
        licenses=("public-domain",),
    ),
]


@pytest.mark.parametrize("expected", DISTROLESS_CASES, ids=lambda p: p.name)
def test_distroless_status_d(extract: Run, expected: Package) -> None:
    packages, warnings = extract(DistrolessDpkgExtractor(), DPKG / "distroless-debian12", expected.path)
    assert packages == [expected]
    assert warnings == []


def test_ubuntu_ecosystem_and_purl(extract: Run) -> None:
    packages, _ = extract(DpkgStatusExtractor(), DPKG / "trivy-only-apt", STATUS, OsInfo("ubuntu", "18.04"))
    assert [(p.ecosystem, p.purl) for p in packages] == [
        (Ecosystem.UBUNTU, "pkg:deb/ubuntu/apt@1.6.3ubuntu0.1?arch=amd64&distro=ubuntu-18.04")
    ]


def test_trivy_valid_counts(extract: Run) -> None:
    """Trivy's valid fixture: 91 stanzas, 90 installed and one 'deinstall ok config-files'."""
    packages, warnings = extract(DpkgStatusExtractor(), DPKG / "trivy-valid", STATUS)
    assert warnings == []
    assert len(packages) == 90
    by_name = {p.name: p for p in packages}
    assert len(by_name) == 90
    libgcc = by_name["libgcc1"]
    assert (libgcc.version, libgcc.source_name, libgcc.source_version) == (
        "1:8-20180414-1ubuntu2",
        "gcc-8",
        "8-20180414-1ubuntu2",
    )
    assert libgcc.purl == "pkg:deb/debian/libgcc1@8-20180414-1ubuntu2?arch=amd64&epoch=1"
    # every package references only packages of the same database
    assert all(dep in by_name for p in packages for dep in p.dependencies)
    assert sum(len(p.dependencies) for p in packages) > 100


def test_empty_status_is_no_packages(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / STATUS).write_text("")
    assert extract(DpkgStatusExtractor(), tmp_path, STATUS, None) == ([], [])


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02 binary garbage \xff\xfe",
        b"just some text\nwithout any fields\n",
        b"Name: x\nVersion: 1\n",
    ],
    ids=["binary", "prose", "no-package-field"],
)
def test_not_a_status_file(tmp_path: Path, extract: Run, content: bytes) -> None:
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / STATUS).write_bytes(content)
    with pytest.raises(ExtractError, match=r"^var/lib/dpkg/status: expected dpkg status stanzas"):
        extract(DpkgStatusExtractor(), tmp_path, STATUS, None)


def test_odd_statuses_are_reported(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "var/lib/dpkg").mkdir(parents=True)
    (tmp_path / STATUS).write_text(
        "Package: a\nStatus: install ok\nVersion: 1\n\n"
        "Package: b\nStatus: install ok installed\n\n"
        "Status: install ok installed\nVersion: 2\n\n"
        "Package: c\nStatus: install ok installed\nVersion: 1:\n"
    )
    packages, warnings = extract(DpkgStatusExtractor(), tmp_path, STATUS, None)
    assert packages == []
    assert warnings == [
        (STATUS, "line 1: package 'a' has Status 'install ok', expected 'want flag state'"),
        (STATUS, "line 5: package 'b' has no Version field; skipped"),
        (STATUS, "line 8: stanza without a Package field skipped"),
        (STATUS, "line 11: package 'c': '1:': nothing after the Debian epoch; skipped"),
    ]


def test_iter_stanzas_continuations_and_crlf() -> None:
    text = "Package: a\r\nDescription: one\r\n two\r\n .\r\nVersion: 1\r\n\r\n\r\n Package: orphan-continuation\nPackage: b\n"
    assert list(iter_stanzas(text)) == [
        (1, {"package": "a", "description": "one\ntwo\n.", "version": "1"}),
        (9, {"package": "b"}),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("libc6 (>= 2.34), libssl3 (>= 3.0.9)", [["libc6"], ["libssl3"]]),
        ("debconf (>= 0.5) | debconf-2.0", [["debconf", "debconf-2.0"]]),
        ("python3:any (>= 3.11), perl:amd64", [["python3"], ["perl"]]),
        ("foo [amd64 i386] <!nocheck>, ,\n bar", [["foo"], ["bar"]]),
        ("", []),
    ],
)
def test_parse_relations(value: str, expected: list[list[str]]) -> None:
    assert parse_relations(value) == expected


def test_owned_files() -> None:
    tree = DirectoryTree(DPKG / "debian12")
    bash = owned_files(tree, "bash")
    assert bash[:3] == ("/bin", "/bin/bash", "/etc")  # the list's leading "/." is not a path
    assert len(bash) == 166
    ssl = owned_files(tree, "libssl3", "amd64")  # info/libssl3:amd64.list
    assert "/usr/lib/x86_64-linux-gnu/libssl.so.3" in ssl
    base = owned_files(tree, "base-files")  # no .list here: info/base-files.md5sums
    assert "/etc/debian_version" not in base  # conffiles are not in md5sums
    assert "/usr/share/common-licenses/GPL-3" in base
    assert owned_files(tree, "not-installed") == ()
    distroless = owned_files(DirectoryTree(DPKG / "distroless-debian12"), "base-files")
    assert distroless == base
    nested = owned_files(DirectoryTree(OS_FIXTURES), "tar", root="dpkg/trivy-md5sums")
    assert nested[:2] == ("/usr/bin/tar", "/usr/lib/mime/packages/tar") and len(nested) == 13


# -- dpkg itself as the oracle ----------------------------------------------------------------------

_DPKG_QUERY = shutil.which("dpkg-query")
#: dpkg's Status-Abbrev state letters whose packages have files on disk.
_ON_DISK = set("iUFHWt")


def _dpkg_query(admindir: Path) -> set[tuple[str, str, str, str, str]]:
    fmt = "${db:Status-Abbrev}|${Package}|${Version}|${Architecture}|${source:Package}|${source:Version}\n"
    out = subprocess.run(
        [str(_DPKG_QUERY), f"--admindir={admindir}", "-W", "-f", fmt],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = set()
    for line in out.splitlines():
        abbrev, name, version, arch, src, src_version = line.split("|")
        if abbrev[1] in _ON_DISK:
            rows.add((name, version, arch, src, src_version))
    return rows


@pytest.mark.skipif(_DPKG_QUERY is None, reason="dpkg-query not installed (not a Debian machine)")
@pytest.mark.parametrize(
    "scenario", ["debian12", "states", "trivy-valid", "trivy-third-party", "trivy-md5sums"]
)
def test_agrees_with_dpkg_query(extract: Run, scenario: str) -> None:
    packages, _ = extract(DpkgStatusExtractor(), DPKG / scenario, STATUS)
    ours = {(p.name, p.version, p.metadata["arch"], p.source_name, p.source_version) for p in packages}
    assert ours == _dpkg_query(DPKG / scenario / "var/lib/dpkg")


@pytest.mark.skipif(_DPKG_QUERY is None, reason="dpkg-query not installed (not a Debian machine)")
def test_this_machine_agrees_with_dpkg_query() -> None:
    """The host's own database (hundreds of packages) when the host is a dpkg system."""
    admindir = Path("/var/lib/dpkg")
    if not (admindir / "status").is_file():
        pytest.skip("no /var/lib/dpkg/status on this machine")
    if any((admindir / "updates").glob("[0-9]*")):
        # dpkg is mid-transaction: its journal in updates/ is not merged into status yet, and
        # dpkg-query reads the journal (an image's database never has one).
        pytest.skip("dpkg has pending updates/ journal entries (a package operation is running)")
    tree = DirectoryTree(Path("/"))
    entry = tree.stat(STATUS)
    assert entry is not None
    from bastion.inventory.base import ExtractContext

    ctx = ExtractContext(tree=tree)
    with tree.open(entry) as fh:
        packages = list(DpkgStatusExtractor().extract(entry, fh, ctx))
    ours = {(p.name, p.version, p.metadata["arch"], p.source_name, p.source_version) for p in packages}
    assert ours == _dpkg_query(admindir)
    assert len(ours) > 50
