"""Cargo.lock v1-v4 (Trivy's fixtures; expected values agree with its parse_test.go: same crates,
versions, direct/indirect split and dependency edges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.rust.cargo_lock import CargoLockExtractor
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import LOCKFILES, SHARED_PARSER, extract

FIX = LOCKFILES / "rust" / "cargo-lock"
EX = CargoLockExtractor()


def crate(
    name: str,
    version: str,
    file: str,
    direct: bool | None = False,
    deps: tuple[str, ...] = (),
    checksum: str | None = None,
    purl: str | None = None,
    **meta: str,
) -> Package:
    if checksum:
        meta["checksum"] = "sha256:" + checksum
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.CRATES_IO,
        purl=purl or f"pkg:cargo/{name}@{version}",
        locations=(Location(file),),
        found_by="rust/cargo-lock",
        direct=direct,
        dependencies=deps,
        metadata=meta,
    )


LIBC_SUM = "c6785aa7dd976f5fbf3b71cfd9cd49d7f783c1ff565a858d71031c6c313aa5c6"


def _v1(file: str) -> list[Package]:
    return [
        crate("libc", "0.2.54", file, True, checksum=LIBC_SUM),
        crate("normal", "0.1.0", file, None, ("libc@0.2.54",), source="local"),
        crate("unsafe-any", "0.4.2", file),
        crate("typemap", "0.3.3", file, deps=("unsafe-any@0.4.2",)),
        crate("idna", "0.1.5", file),
        crate("matches", "0.1.8", file),
        crate("percent-encoding", "1.0.1", file),
        crate("url", "1.7.2", file, deps=("idna@0.1.5", "matches@0.1.8", "percent-encoding@1.0.1")),
    ]


V3 = "v3.lock"
V3_EXPECTED = [
    crate(
        "aho-corasick",
        "0.7.20",
        V3,
        deps=("memchr@2.5.0",),
        checksum="cc936419f96fa211c1b9166887b38e5e40b19958e5b895be7c1f93adec7071ac",
    ),
    crate("app", "0.1.0", V3, None, ("memchr@1.0.2", "regex", "regex-syntax@0.5.6"), source="local"),
    crate("libc", "0.2.140", V3, checksum="99227334921fae1a979cf0bfdfcc6b3e5ce376ef57e16fb6fb3ea2ed6095f80c"),
    crate(
        "memchr",
        "1.0.2",
        V3,
        True,
        ("libc",),
        checksum="148fab2e51b4f1cfc66da2a7c32981d1d3c083a803978268bb11fe4b86925e7a",
    ),
    crate("memchr", "2.5.0", V3, checksum="2dffe52ecf27772e601905b7522cb4ef790d2cc203488bbd0e2fe85fcb74566d"),
    crate(
        "regex",
        "1.7.3",
        V3,
        True,
        ("aho-corasick", "memchr@2.5.0", "regex-syntax@0.6.29"),
        checksum="8b1f693b24f6ac912f4893ef08244d70b6067480d2f1a46e950c9691e6749d1d",
    ),
    crate(
        "regex-syntax",
        "0.5.6",
        V3,
        True,
        ("ucd-util",),
        checksum="7d707a4fa2637f2dca2ef9fd02225ec7661fe01a53623c1e6515b6916511f7a7",
    ),
    crate(
        "regex-syntax",
        "0.6.29",
        V3,
        checksum="f162c6dd7b008981e4d40210aca20b4bd0f9b60ca9271061b07f78537722f2e1",
    ),
    crate(
        "ucd-util", "0.1.10", V3, checksum="abd2fc5d32b590614af8b0a20d837f32eca055edd0bbead59a9cfe80858be003"
    ),
]


@pytest.mark.parametrize(
    ("file", "expected"),
    [
        ("v1-normal.lock", _v1("v1-normal.lock")),
        ("v1-mixed-metadata.lock", _v1("v1-mixed-metadata.lock")),
        (V3, V3_EXPECTED),
    ],
)
def test_fixtures(file: str, expected: list[Package]) -> None:
    got, _ = extract(EX, FIX / file, FIX)
    key = lambda p: (p.name, p.version)  # noqa: E731
    assert sorted(got, key=key) == sorted(expected, key=key)


V4 = """version = 4

[[package]]
name = "ws"
version = "0.1.0"
dependencies = ["serde", "private-crate", "forked"]

[[package]]
name = "serde"
version = "1.0.200"
source = "sparse+https://index.crates.io/"
checksum = "ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f"

[[package]]
name = "private-crate"
version = "2.0.0"
source = "registry+https://my.registry.example/index"

[[package]]
name = "forked"
version = "0.3.0"
source = "git+https://github.com/example/forked?branch=main#0123456789abcdef"
"""


def test_v4_sources(tmp_path: Path) -> None:
    (tmp_path / "Cargo.lock").write_text(V4)
    got, _ = extract(EX, tmp_path / "Cargo.lock")
    f = "Cargo.lock"
    assert got == [
        crate("ws", "0.1.0", f, None, ("serde", "private-crate", "forked"), source="local"),
        crate(
            "serde",
            "1.0.200",
            f,
            True,
            checksum="ddc6f9cc94d67c0e21aaf7eda3a010fd3af78ebf6e096aa6e2e13c79749cce4f",
        ),
        crate(
            "private-crate",
            "2.0.0",
            f,
            True,
            source="registry+https://my.registry.example/index",
            purl="pkg:cargo/private-crate@2.0.0?repository_url=https://my.registry.example/index",
        ),
        crate(
            "forked",
            "0.3.0",
            f,
            True,
            source="git+https://github.com/example/forked?branch=main#0123456789abcdef",
            purl="pkg:cargo/forked@0.3.0?vcs_url=git%2Bhttps://github.com/example/forked%3Fbranch%3Dmain",
        ),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 9\n", "Cargo.lock version 9 is not 1-4"),
        ("[[package]]\nname = 'x'\n", "lacks a string name and version"),
        ("[[package]]\nname = 'x'\nversion = '1'\ndependencies = 'y'\n", "malformed dependencies"),
        ("package = 3\n", "expected \\[\\[package\\]\\] tables"),
        ("[[package]\n", "invalid TOML"),
    ],
)
def test_bad_input(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "Cargo.lock").write_text(text)
    with pytest.raises(ExtractError, match=message):
        extract(EX, tmp_path / "Cargo.lock")


def test_invalid_fixture() -> None:
    with pytest.raises(ExtractError, match="invalid TOML"):
        extract(EX, FIX / "invalid.lock")


@pytest.mark.parametrize(
    ("path", "wanted"),
    [("Cargo.lock", True), ("a/b/Cargo.lock", True), ("Cargo.toml", False), ("cargo.lock", False)],
)
def test_wants(path: str, wanted: bool) -> None:
    assert EX.wants(FileRef(path, size=10)) is wanted


SHARED_CARGO = SHARED_PARSER / "rust" / "cargo" / "testdata"


@pytest.mark.skipif(not SHARED_CARGO.is_dir(), reason="shared fixtures absent")
@pytest.mark.parametrize(
    "path", sorted(SHARED_CARGO.glob("*.lock")) if SHARED_CARGO.is_dir() else [], ids=lambda p: p.name
)
def test_shared_corpus(path: Path) -> None:
    if "invalid" in path.name:
        with pytest.raises(ExtractError, match="invalid TOML"):
            extract(EX, path)
    else:
        got, _ = extract(EX, path)
        assert got and all(p.version for p in got)
