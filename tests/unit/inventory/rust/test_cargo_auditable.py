"""cargo-auditable binaries. cargo-auditable itself cannot be installed offline here, so the ``.dep-v0``
section is produced two ways: added with ``objcopy`` to a real dependency-free Rust binary built by
cargo (as cargo-auditable's linker step would add it), and inside a hand-assembled ELF."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zlib
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.rust.cargo_auditable import CargoAuditableExtractor
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import build_elf, extract

EX = CargoAuditableExtractor()

AUDIT = {
    "packages": [
        {"name": "demo", "version": "0.1.0", "source": "local", "dependencies": [1, 3], "root": True},
        {"name": "serde", "version": "1.0.200", "source": "crates.io", "dependencies": [2]},
        {"name": "serde_derive", "version": "1.0.200", "source": "crates.io", "kind": "build"},
        {"name": "forked", "version": "0.3.0", "source": "git"},
    ]
}


def crate(
    name: str, version: str, file: str, direct: bool | None, deps: tuple[str, ...] = (), **meta: str
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.CRATES_IO,
        purl=f"pkg:cargo/{name}@{version}",
        locations=(Location(file),),
        found_by="rust/cargo-auditable",
        direct=direct,
        dependencies=deps,
        metadata=meta,
    )


def expected(file: str) -> list[Package]:
    return [
        crate("demo", "0.1.0", file, None, ("serde@1.0.200", "forked@0.3.0"), role="main", source="local"),
        crate("serde", "1.0.200", file, True, ("serde_derive@1.0.200",)),
        crate("serde_derive", "1.0.200", file, False, kind="build"),
        crate("forked", "0.3.0", file, True, source="git"),
    ]


def _section() -> bytes:
    return zlib.compress(json.dumps(AUDIT).encode())


def test_hand_assembled_elf(tmp_path: Path) -> None:
    data, _ = build_elf({".text": b"\x90" * 4096, ".dep-v0": _section()})
    (tmp_path / "demo").write_bytes(data)
    got, warnings = extract(EX, tmp_path / "demo")
    assert got == expected("demo") and warnings == []


@pytest.mark.skipif(
    shutil.which("cargo") is None or shutil.which("objcopy") is None, reason="cargo/objcopy absent"
)
def test_real_rust_binary(tmp_path: Path) -> None:
    env = {**os.environ, "CARGO_TARGET_DIR": str(tmp_path / "target"), "CARGO_NET_OFFLINE": "true"}
    subprocess.run(["cargo", "new", "-q", "--vcs", "none", "demo"], cwd=tmp_path, env=env, check=True)
    subprocess.run(["cargo", "build", "-q", "--offline"], cwd=tmp_path / "demo", env=env, check=True)
    plain = tmp_path / "target" / "debug" / "demo"
    assert extract(EX, plain)[0] == []  # a Rust binary without audit data: nothing to report
    (tmp_path / "audit.bin").write_bytes(_section())
    audited = tmp_path / "demo-audited"
    subprocess.run(
        ["objcopy", "--add-section", f".dep-v0={tmp_path / 'audit.bin'}", str(plain), str(audited)],
        check=True,
    )
    got, _ = extract(EX, audited)
    assert got == expected("demo-audited")


def test_compression_bomb(tmp_path: Path) -> None:
    bomb = zlib.compress(b"[" * (64 * 1024 * 1024), 9)  # 64 MiB of '[' in ~64 KiB
    data, _ = build_elf({".text": b"\x90" * 4096, ".dep-v0": bomb})
    (tmp_path / "bomb").write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(ExtractError, match="compression bomb"):
        extract(EX, tmp_path / "bomb")
    assert time.perf_counter() - start < 1.0


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not zlib", "not valid zlib data"),
        (zlib.compress(b"{not json"), "invalid JSON"),
        (zlib.compress(b'{"packages": 3}'), "lacks a 'packages' list"),
        (
            zlib.compress(b'{"packages": [{"name": "a", "version": "1", "dependencies": [7]}]}'),
            "out of range",
        ),
        (zlib.compress(b'{"packages": [{"name": 1}]}'), "lacks a string name"),
    ],
)
def test_bad_sections(tmp_path: Path, payload: bytes, message: str) -> None:
    data, _ = build_elf({".text": b"\x90" * 4096, ".dep-v0": payload})
    (tmp_path / "bad").write_bytes(data)
    with pytest.raises(ExtractError, match=message):
        extract(EX, tmp_path / "bad")


@pytest.mark.parametrize(
    ("entry", "wanted"),
    [
        (FileRef("usr/local/bin/rg", size=5_000_000, mode=0o755), True),
        (FileRef("tool.exe", size=5_000_000), True),
        (FileRef("lib.dll", size=5_000_000), True),
        (FileRef("Cargo.lock", size=5_000), False),
        (FileRef("usr/bin/tiny", size=10, mode=0o755), False),
    ],
)
def test_wants(entry: FileRef, wanted: bool) -> None:
    assert EX.wants(entry) is wanted
