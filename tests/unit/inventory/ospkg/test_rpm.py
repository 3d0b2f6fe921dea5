"""rpm databases in all three formats, written by real rpm (see tests/fixtures/lockfiles/os/rpm/generate.sh)."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from bastion.inventory.ospkg._rpm_header import parse_header, parse_source_rpm
from bastion.inventory.ospkg.rpmdb import RpmDbExtractor, read_headers
from bastion.model import Ecosystem, Location, OsInfo, Package

from .conftest import OS_FIXTURES, Run

RPM = OS_FIXTURES / "rpm"
RHEL93 = OsInfo("rhel", "9.3", "Red Hat Enterprise Linux 9.3 (Plow)")
SQLITE = "var/lib/rpm/rpmdb.sqlite"
VENDOR = "bastion test fixtures"


def rpm(
    name: str,
    evr: str,
    arch: str,
    purl: str,
    *,
    source: tuple[str, str],
    license_: str,
    files: int,
    deps: tuple[str, ...] = (),
    extra: dict[str, str] | None = None,
) -> Package:
    metadata = {"files": str(files), "arch": arch}
    if evr.startswith("1:"):
        metadata["epoch"] = "1"
    metadata["vendor"] = VENDOR
    metadata.update(extra or {})
    return Package(
        name=name,
        version=evr,
        ecosystem=Ecosystem.REDHAT,
        purl=purl,
        locations=(Location(SQLITE),),
        found_by="os/rpm",
        source_name=source[0],
        source_version=source[1],
        licenses=(license_,),
        dependencies=deps,
        metadata=metadata,
    )


# In the database's own order (header numbers = install order). gpg-pubkey is not a package.
EL9 = [
    rpm(
        "openssl-libs",
        "1:3.0.7-24.el9",
        "x86_64",
        "pkg:rpm/redhat/openssl-libs@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1",
        source=("openssl", "1:3.0.7-24.el9"),  # from openssl-3.0.7-24.el9.src.rpm, with the binary's epoch
        license_="Apache-2.0",
        files=2,
    ),
    rpm(
        "glibc",
        "2.34-83.el9",
        "i686",
        "pkg:rpm/redhat/glibc@2.34-83.el9?arch=i686&distro=rhel-9.3",
        source=("glibc", "2.34-83.el9"),
        license_="LGPL-2.1-or-later AND GPL-2.0-or-later",
        files=1,
    ),
    rpm(
        "bash",
        "5.1.8-6.el9",
        "x86_64",
        "pkg:rpm/redhat/bash@5.1.8-6.el9?arch=x86_64&distro=rhel-9.3",
        source=("bash", "5.1.8-6.el9"),
        license_="GPL-3.0-or-later",
        files=2,
        deps=("glibc",),  # Requires libc.so.6()(64bit)
    ),
    rpm(
        "ca-certificates",
        "2023.2.60_v7.0.306-90.1.el9_2",
        "noarch",
        "pkg:rpm/redhat/ca-certificates@2023.2.60_v7.0.306-90.1.el9_2?arch=noarch&distro=rhel-9.3",
        source=("ca-certificates", "2023.2.60_v7.0.306-90.1.el9_2"),
        license_="MIT AND GPL-2.0-or-later",
        files=1,
        deps=("bash",),  # Requires /usr/bin/bash: a file bash installed
    ),
    rpm(
        "nodejs",
        "1:18.19.0-1.module+el9.3.0+21039+86a82a65",
        "x86_64",
        "pkg:rpm/redhat/nodejs@18.19.0-1.module%2Bel9.3.0%2B21039%2B86a82a65?arch=x86_64&distro=rhel-9.3&epoch=1",
        source=("nodejs", "1:18.19.0-1.module+el9.3.0+21039+86a82a65"),
        license_="MIT",
        files=1,
        deps=("bash", "openssl-libs"),  # Requires /bin/sh (provided by bash) and libcrypto.so.3()(64bit)
        extra={"modularity_label": "nodejs:18:9030020231120082734:rhel9"},
    ),
    rpm(
        "openssl",
        "1:3.0.7-24.el9",
        "x86_64",
        "pkg:rpm/redhat/openssl@3.0.7-24.el9?arch=x86_64&distro=rhel-9.3&epoch=1",
        source=("openssl", "1:3.0.7-24.el9"),
        license_="Apache-2.0",
        files=1,
        deps=("openssl-libs",),
    ),
    rpm(
        "glibc",
        "2.34-83.el9",
        "x86_64",
        "pkg:rpm/redhat/glibc@2.34-83.el9?arch=x86_64&distro=rhel-9.3",
        source=("glibc", "2.34-83.el9"),
        license_="LGPL-2.1-or-later AND GPL-2.0-or-later",
        files=1,
    ),
    rpm(
        "tzdata",
        "2024a-1.el9",
        "noarch",
        "pkg:rpm/redhat/tzdata@2024a-1.el9?arch=noarch&distro=rhel-9.3",
        source=("tzdata", "2024a-1.el9"),
        license_="LicenseRef-Fedora-Public-Domain",
        files=1,
    ),
]


def test_sqlite_complete(extract: Run) -> None:
    packages, warnings = extract(RpmDbExtractor(), RPM / "el9-sqlite", SQLITE)  # etc/os-release: RHEL 9.3
    assert packages == EL9
    assert warnings == []


def _key(p: Package) -> tuple[str, str, str]:
    return (p.name, p.version, p.metadata["arch"])


FORMATS = [
    # (fixture root, database path, packages it lacks: see generate.sh)
    ("el9-bdb", "var/lib/rpm/Packages", set()),
    ("el9-bdb-be512", "var/lib/rpm/Packages", set()),
    ("el9-ndb", "usr/lib/sysimage/rpm/Packages.db", {("glibc", "2.34-83.el9", "i686")}),
]


@pytest.mark.parametrize(("root", "path", "missing"), FORMATS, ids=[f[0] for f in FORMATS])
def test_same_packages_in_every_format(
    extract: Run, root: str, path: str, missing: set[tuple[str, str, str]]
) -> None:
    packages, warnings = extract(RpmDbExtractor(), RPM / root, path, RHEL93)
    assert warnings == []
    expected = [dataclasses.replace(p, locations=(Location(path),)) for p in EL9 if _key(p) not in missing]
    assert sorted(packages, key=_key) == sorted(expected, key=_key)


def _expected_txt() -> list[tuple[str, str, str, str, str, str, str]]:
    """``rpm -qa`` of the SQLite database, recorded by generate.sh (NAME, EPOCHNUM, VERSION, RELEASE, ARCH,
    SOURCERPM, LICENSE)."""
    rows = []
    for line in (RPM / "expected.txt").read_text().splitlines():
        name, epoch, version, release, arch, srpm, license_ = line.split("\t")
        rows.append((name, epoch, version, release, arch, srpm, license_))
    return rows


@pytest.mark.parametrize(
    "path",
    [
        "el9-sqlite/var/lib/rpm/rpmdb.sqlite",
        "el9-bdb/var/lib/rpm/Packages",
        "el9-bdb-be512/var/lib/rpm/Packages",
    ],
)
def test_headers_match_rpm_query(path: str) -> None:
    """Every header, gpg-pubkey included, as `rpm -qa --queryformat` printed it."""
    with open(RPM / path, "rb") as fh:
        headers, problems = read_headers(fh)
    assert problems == []
    ours = sorted(
        (
            h.name,
            str(h.epoch or 0),
            h.version,
            h.release,
            h.arch or "(none)",
            h.source_rpm or "(none)",
            h.license,
        )
        for h in headers
    )
    assert ours == _expected_txt()


_RPM_BIN = shutil.which("rpm")


@pytest.mark.skipif(_RPM_BIN is None, reason="rpm is not installed")
@pytest.mark.parametrize(
    ("folder", "backend"),
    [
        ("el9-sqlite/var/lib/rpm", "sqlite"),
        ("el9-bdb/var/lib/rpm", "bdb_ro"),
        ("el9-bdb-be512/var/lib/rpm", "bdb_ro"),
    ],
)
def test_rpm_itself_reads_the_fixtures_the_same(tmp_path: Path, folder: str, backend: str) -> None:
    """With rpm installed, ask it directly (on a copy: rpm may touch its database directory)."""
    db = tmp_path / "db"
    shutil.copytree(RPM / folder, db)
    qf = r"%{NAME}\t%{EPOCHNUM}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\t%{SOURCERPM}\t%{LICENSE}\n"
    proc = subprocess.run(
        [str(_RPM_BIN), "--define", f"_db_backend {backend}", "--dbpath", str(db), "-qa", "--qf", qf],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0 and "backend" in proc.stderr:
        pytest.skip(f"this rpm has no {backend} backend")
    rows = sorted(tuple(line.split("\t")) for line in proc.stdout.splitlines())
    assert rows == _expected_txt()


def test_unknown_distribution_has_no_namespace(extract: Run) -> None:
    packages, _ = extract(RpmDbExtractor(), RPM / "el9-bdb", "var/lib/rpm/Packages", None)
    tz = next(p for p in packages if p.name == "tzdata")
    assert (tz.ecosystem, tz.purl) == (Ecosystem.GENERIC, "pkg:rpm/tzdata@2024a-1.el9?arch=noarch")


@pytest.mark.parametrize(
    ("os_info", "ecosystem", "purl"),
    [
        (
            OsInfo("rocky", "9.3"),
            Ecosystem.ROCKY,
            "pkg:rpm/rocky/tzdata@2024a-1.el9?arch=noarch&distro=rocky-9.3",
        ),
        (
            OsInfo("amzn", "2023"),
            Ecosystem.AMAZON,
            "pkg:rpm/amazon/tzdata@2024a-1.el9?arch=noarch&distro=amzn-2023",
        ),
        (
            OsInfo("opensuse-leap", "15.5"),
            Ecosystem.OPENSUSE,
            "pkg:rpm/opensuse/tzdata@2024a-1.el9?arch=noarch&distro=opensuse-leap-15.5",
        ),
    ],
)
def test_ecosystem_follows_the_os(extract: Run, os_info: OsInfo, ecosystem: Ecosystem, purl: str) -> None:
    packages, _ = extract(RpmDbExtractor(), RPM / "el9-ndb", "usr/lib/sysimage/rpm/Packages.db", os_info)
    tz = next(p for p in packages if p.name == "tzdata")
    assert (tz.ecosystem, tz.purl) == (ecosystem, purl)


@pytest.mark.parametrize(
    ("srpm", "expected"),
    [
        ("openssl-3.0.7-24.el9.src.rpm", ("openssl", "3.0.7-24.el9")),
        ("python-pip-21.2.3-7.el9.nosrc.rpm", ("python-pip", "21.2.3-7.el9")),
        ("kernel-5.14.0-362.8.1.el9_3.src.rpm", ("kernel", "5.14.0-362.8.1.el9_3")),
        ("(none)", None),
        ("noversion.src.rpm", None),
        ("a-b.src.rpm", None),
    ],
)
def test_parse_source_rpm(srpm: str, expected: tuple[str, str] | None) -> None:
    assert parse_source_rpm(srpm) == expected


def test_sqlite_write_ahead_log_beside_the_database(tmp_path: Path, extract: Run) -> None:
    """A transaction still in rpmdb.sqlite-wal (not checkpointed) is seen when the tree has the -wal."""
    import sqlite3

    db = tmp_path / "var/lib/rpm"
    db.mkdir(parents=True)
    shutil.copy(RPM / "el9-sqlite" / SQLITE, db / "rpmdb.sqlite")
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(db / "rpmdb.sqlite", live / "rpmdb.sqlite")
    conn = sqlite3.connect(live / "rpmdb.sqlite")
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    blobs = [row[0] for row in conn.execute("SELECT blob FROM Packages")]
    tz = next(b for b in blobs if parse_header(b).name == "tzdata")
    conn.execute("DELETE FROM Packages WHERE hnum = 1")  # openssl-libs
    conn.execute("INSERT INTO Packages (hnum, blob) VALUES (100, ?)", (tz,))
    conn.commit()
    # copy while the connection is open: closing would checkpoint the log into the database
    shutil.copy(live / "rpmdb.sqlite", db / "rpmdb.sqlite")
    shutil.copy(live / "rpmdb.sqlite-wal", db / "rpmdb.sqlite-wal")
    conn.close()

    packages, warnings = extract(RpmDbExtractor(), tmp_path, SQLITE, RHEL93)
    names = sorted(p.name for p in packages)
    assert warnings == []
    assert "openssl-libs" not in names and names.count("tzdata") == 2
    (db / "rpmdb.sqlite-wal").unlink()
    packages, _ = extract(RpmDbExtractor(), tmp_path, SQLITE, RHEL93)
    assert sorted(p.name for p in packages) == sorted(p.name for p in EL9)
