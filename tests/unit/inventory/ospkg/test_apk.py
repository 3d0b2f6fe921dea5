"""apk installed database: complete expected packages from Trivy's real Alpine 3.4 fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.ospkg.apk_installed import ApkInstalledExtractor, iter_records
from bastion.model import Ecosystem, Location, OsInfo, Package

from .conftest import OS_FIXTURES, Run

ROOT = OS_FIXTURES / "apk" / "trivy-alpine34"
DB = "lib/apk/db/installed"


def apk(
    name: str,
    version: str,
    *,
    source: str,
    license_: str,
    deps: tuple[str, ...],
    files: int,
    checksum: str,
    purl: str | None = None,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.ALPINE,
        purl=purl or f"pkg:apk/alpine/{name}@{version}?arch=x86_64",
        locations=(Location(DB),),
        found_by="os/apk",
        source_name=source,
        source_version=version,
        licenses=(license_,),
        dependencies=deps,
        metadata={"files": str(files), "arch": "x86_64", "checksum": checksum},
    )


EXPECTED = [
    apk(
        "musl",
        "1.1.14-r10",
        source="musl",
        license_="MIT",
        deps=(),
        files=2,
        checksum="Q11otALzX1d1D0kVawy06IairTXS0=",
    ),
    # D:so:libc.musl-x86_64.so.1 → musl, which provides that soname
    apk(
        "busybox",
        "1.24.2-r9",
        source="busybox",
        license_="GPL2",
        deps=("musl",),
        files=5,
        checksum="Q1yhJHGSZ80L7cL0y4UKKGrBPwrUQ=",
    ),
    apk(
        "libcrypto1.0",
        "1.0.2h-r1",
        source="openssl",
        license_="openssl",
        deps=("musl", "zlib"),
        files=15,
        checksum="Q1Zchg/48QO2ZPQLqEmj9aUcaci+s=",
    ),
    # D:!uclibc-utils scanelf musl=1.1.14-r10 so:libc…: the conflict is no dependency; musl once
    apk(
        "musl-utils",
        "1.1.14-r10",
        source="musl",
        license_="MIT BSD GPL2+",
        deps=("scanelf", "musl"),
        files=5,
        checksum="Q1YIqh3Tnv97xmFdPl4zODdQ+PXsw=",
    ),
    apk(
        "libc-utils",
        "0.7-r0",
        source="libc-dev",
        license_="GPL",
        deps=("musl-utils",),
        files=0,
        checksum="Q1kFW8ev12zyZyGYBC9y/Epe1PqWE=",
    ),
    apk(
        "ada-libs",
        "2.7.4-r0",
        source="ada",
        license_="( Apache-2.0 OR MIT ) AND MPL-2.0",
        deps=("musl",),
        files=2,
        checksum="Q1WTFU+AxEBoVEjg9SR5cl17ybZ40=",
    ),
]


@pytest.fixture(scope="module")
def alpine34() -> tuple[list[Package], list[tuple[str, str]]]:
    from .conftest import run_extractor

    return run_extractor(ApkInstalledExtractor(), ROOT, DB)


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.name)
def test_packages(alpine34: tuple[list[Package], list[tuple[str, str]]], expected: Package) -> None:
    packages, _ = alpine34
    assert [p for p in packages if p.name == expected.name] == [expected]


def test_counts_and_the_record_without_a_version(
    alpine34: tuple[list[Package], list[tuple[str, str]]],
) -> None:
    packages, warnings = alpine34
    assert len(packages) == 15  # 16 records, one without V:
    assert warnings == [
        (DB, "line 23: package 'invalidPackageWithoutAVersion' has no V: (version) line; skipped")
    ]
    names = {p.name for p in packages}
    assert all(dep in names for p in packages for dep in p.dependencies)


@pytest.mark.parametrize(
    ("os_info", "ecosystem", "purl"),
    [
        (
            OsInfo("alpine", "3.4.6"),
            Ecosystem.ALPINE,
            "pkg:apk/alpine/musl@1.1.14-r10?arch=x86_64&distro=alpine-3.4.6",
        ),
        (
            OsInfo("wolfi", "20230201"),
            Ecosystem.WOLFI,
            "pkg:apk/wolfi/musl@1.1.14-r10?arch=x86_64&distro=wolfi-20230201",
        ),
        (
            OsInfo("chainguard", "20230214"),
            Ecosystem.CHAINGUARD,
            "pkg:apk/chainguard/musl@1.1.14-r10?arch=x86_64&distro=chainguard-20230214",
        ),
    ],
)
def test_ecosystem_follows_the_os(extract: Run, os_info: OsInfo, ecosystem: Ecosystem, purl: str) -> None:
    packages, _ = extract(ApkInstalledExtractor(), ROOT, DB, os_info)
    musl = next(p for p in packages if p.name == "musl")
    assert (musl.ecosystem, musl.purl) == (ecosystem, purl)


def test_empty_database(tmp_path: Path, extract: Run) -> None:
    (tmp_path / "lib/apk/db").mkdir(parents=True)
    (tmp_path / DB).write_text("\n\n")
    assert extract(ApkInstalledExtractor(), tmp_path, DB, None) == ([], [])


@pytest.mark.parametrize(
    "content",
    [b"\x7fELF\x02\x01\x01\x00garbage", b"P\nV\nnot apk\n", b"V:1.0\nA:x86_64\n"],
    ids=["binary", "no-colons", "no-package-line"],
)
def test_not_an_apk_database(tmp_path: Path, extract: Run, content: bytes) -> None:
    (tmp_path / "lib/apk/db").mkdir(parents=True)
    (tmp_path / DB).write_bytes(content)
    with pytest.raises(ExtractError, match=r"^lib/apk/db/installed: expected apk database records"):
        extract(ApkInstalledExtractor(), tmp_path, DB, None)


def test_iter_records() -> None:
    text = "C:Q1abc=\nP:a\nV:1\nR:x\nR:y\nbogus line\n\n\nP:b\r\nV:2\r\n"
    assert list(iter_records(text)) == [
        (1, [("C", "Q1abc="), ("P", "a"), ("V", "1"), ("R", "x"), ("R", "y")]),
        (9, [("P", "b"), ("V", "2")]),
    ]
