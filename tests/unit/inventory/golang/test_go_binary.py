"""Go binaries: real executables built here with Debian's golang-go (ELF, PE, Mach-O), a hand-assembled
ELF with the pre-1.18 pointer-based build info, and hostile headers."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import time
from pathlib import Path

import pytest

from bastion.errors import ExtractError
from bastion.inventory.golang._buildinfo import BuildInfo, Module, parse_modinfo
from bastion.inventory.golang.go_binary import GoBinaryExtractor, main_version, stdlib_version
from bastion.model import Ecosystem, FileRef, Location, Package
from tests._support.lang_inventory import build_elf, extract

EX = GoBinaryExtractor()
GO = shutil.which("go")
needs_go = pytest.mark.skipif(GO is None, reason="the go toolchain is not installed")


def pkg(
    name: str,
    version: str,
    file: str,
    *,
    purl: str,
    direct: bool | None = None,
    deps: tuple[str, ...] = (),
    metadata: dict[str, str] | None = None,
) -> Package:
    return Package(
        name=name,
        version=version,
        ecosystem=Ecosystem.GO,
        purl=purl,
        locations=(Location(file),),
        found_by="go/binary",
        direct=direct,
        dependencies=deps,
        metadata=metadata or {},
    )


def _go_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GO")}
    env.update(
        GOFLAGS="-mod=vendor",
        GOPROXY="off",
        GOCACHE=str(tmp / "cache"),
        GOPATH=str(tmp / "gopath"),
        GOTOOLCHAIN="local",
        CGO_ENABLED="0",
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.com",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com",
        GIT_AUTHOR_DATE="2024-05-06T07:08:09Z",
        GIT_COMMITTER_DATE="2024-05-06T07:08:09Z",
    )
    return env


@pytest.fixture(scope="module")
def go_module(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A module with two vendored dependencies, one replaced by another module version, in a git repo."""
    if GO is None:
        pytest.skip("the go toolchain is not installed")
    src = tmp_path_factory.mktemp("gosrc")
    (src / "go.mod").write_text(
        "module example.com/tool\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.2.3\n\tgolang.org/x/text v0.3.7 // indirect\n)\n\n"
        "replace golang.org/x/text v0.3.7 => example.com/text v0.3.8\n"
    )
    (src / "vendor" / "example.com" / "lib").mkdir(parents=True)
    (src / "vendor" / "golang.org" / "x" / "text").mkdir(parents=True)
    (src / "vendor" / "modules.txt").write_text(
        "# example.com/lib v1.2.3\n## explicit\nexample.com/lib\n"
        "# golang.org/x/text v0.3.7 => example.com/text v0.3.8\n## explicit\ngolang.org/x/text\n"
        "# golang.org/x/text v0.3.7 => example.com/text v0.3.8\n"
    )
    (src / "vendor" / "example.com" / "lib" / "lib.go").write_text(
        'package lib\n\nimport "golang.org/x/text"\n\nfunc Hello() string { return text.T }\n'
    )
    (src / "vendor" / "golang.org" / "x" / "text" / "text.go").write_text('package text\n\nconst T = "t"\n')
    (src / "main.go").write_text(
        'package main\n\nimport (\n\t"fmt"\n\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n'
    )
    env = _go_env(src)
    if shutil.which("git"):
        for cmd in (["git", "init", "-q", "."], ["git", "add", "-A"], ["git", "commit", "-qm", "init"]):
            subprocess.run(cmd, cwd=src, env=env, check=True)
    return src


def _build(src: Path, out: Path, *args: str, **env: str) -> Path:
    subprocess.run(
        [str(GO), "build", *args, "-o", str(out), "."],
        cwd=src,
        env={**_go_env(src), **env},
        check=True,
        capture_output=True,
    )
    return out


def _go_version() -> str:
    out = subprocess.run(
        [str(GO), "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    return out


def _expected(file: str, main_ver: str, settings: dict[str, str]) -> list[Package]:
    gov = _go_version()
    std = stdlib_version(gov)
    return [
        pkg("stdlib", std, file, purl=f"pkg:golang/stdlib@{std}", direct=True),
        pkg("example.com/lib", "v1.2.3", file, purl="pkg:golang/example.com/lib@v1.2.3"),
        pkg(
            "example.com/text",
            "v0.3.8",
            file,
            purl="pkg:golang/example.com/text@v0.3.8",
            metadata={"replaces": "golang.org/x/text@v0.3.7"},
        ),
        pkg(
            "example.com/tool",
            main_ver,
            file,
            purl="pkg:golang/example.com/tool" + (f"@{main_ver}" if main_ver else ""),
            deps=(f"stdlib@{std}", "example.com/lib@v1.2.3", "example.com/text@v0.3.8"),
            metadata={"role": "main", "go_version": gov, "package": "example.com/tool", **settings},
        ),
    ]


@needs_go
def test_elf_with_ldflags_version(go_module: Path, tmp_path: Path) -> None:
    exe = _build(go_module, tmp_path / "tool", "-ldflags=-X main.version=1.4.0 -s", "-buildvcs=false")
    got, warnings = extract(EX, exe)
    settings = {k: v for k, v in got[-1].metadata.items() if k not in ("role", "go_version", "package")}
    assert settings["-ldflags"] == "-X main.version=1.4.0 -s"
    assert (settings["GOOS"], settings["GOARCH"], settings["CGO_ENABLED"]) == (
        "linux",
        os.uname().machine.replace("x86_64", "amd64").replace("aarch64", "arm64"),
        "0",
    )
    assert got == _expected("tool", "1.4.0", settings)
    assert warnings == []


@needs_go
@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_elf_devel_version_from_vcs(go_module: Path, tmp_path: Path) -> None:
    exe = _build(go_module, tmp_path / "tool")
    got, _ = extract(EX, exe)
    meta = got[-1].metadata
    assert (
        meta["vcs"] == "git"
        and meta["vcs.time"] == "2024-05-06T07:08:09Z"
        and len(meta["vcs.revision"]) == 40
    )
    settings = {k: v for k, v in meta.items() if k not in ("role", "go_version", "package")}
    assert got == _expected("tool", f"v0.0.0-20240506070809-{meta['vcs.revision'][:12]}", settings)


@needs_go
@pytest.mark.slow
@pytest.mark.parametrize(
    ("goos", "goarch", "name"),
    [
        ("windows", "amd64", "tool.exe"),
        ("darwin", "arm64", "tool"),
        ("linux", "386", "tool"),
        ("linux", "ppc64", "tool"),
    ],
)
def test_cross_compiled(go_module: Path, tmp_path: Path, goos: str, goarch: str, name: str) -> None:
    exe = _build(go_module, tmp_path / name, "-buildvcs=false", GOOS=goos, GOARCH=goarch)
    got, _ = extract(EX, exe)
    settings = {k: v for k, v in got[-1].metadata.items() if k not in ("role", "go_version", "package")}
    assert (settings["GOOS"], settings["GOARCH"]) == (goos, goarch)
    assert got == _expected(name, "", settings)


def _old_format_elf(big_endian: bool = False) -> bytes:
    """Pre-Go-1.18 layout: the header holds pointers to two Go string headers (ptr, len)."""
    modinfo = (
        "path\texample.com/old\nmod\texample.com/old\tv0.9.0\th1:abc=\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:def=\n"
        "dep\texample.com/gone\tv1.0.0\n=>\t./local\t\t\n"
    )
    framed = b"0" * 16 + modinfo.encode() + b"1" * 16
    vers = b"go1.16.15"
    base = 0x500000
    # layout inside the section: header (32) | two string headers (16 each) | version | modinfo
    order = ">" if big_endian else "<"
    hdr_at, sh1, sh2 = base, base + 32, base + 48
    v_at, m_at = base + 64, base + 64 + len(vers)
    blob = b"\xff Go buildinf:" + bytes([8, 1 if big_endian else 0]) + struct.pack(order + "QQ", sh1, sh2)
    blob += (
        struct.pack(order + "QQ", v_at, len(vers))
        + struct.pack(order + "QQ", m_at, len(framed))
        + vers
        + framed
    )
    # build_elf maps the whole file at vaddr; choose vaddr so that the section lands at `base`
    _, addrs = build_elf({".text": b"\x90" * 64, ".go.buildinfo": blob}, vaddr=0)
    data, addrs = build_elf(
        {".text": b"\x90" * 64, ".go.buildinfo": blob}, vaddr=base - addrs[".go.buildinfo"]
    )
    assert addrs[".go.buildinfo"] == hdr_at
    return data


@pytest.mark.parametrize("big_endian", [False, True])
def test_pointer_format(tmp_path: Path, big_endian: bool) -> None:
    (tmp_path / "old").write_bytes(_old_format_elf(big_endian))
    (tmp_path / "old").chmod(0o755)
    got, _ = extract(EX, tmp_path / "old")
    f = "old"
    assert got == [
        pkg("stdlib", "1.16.15", f, purl="pkg:golang/stdlib@1.16.15", direct=True),
        pkg(
            "github.com/pkg/errors",
            "v0.9.1",
            f,
            purl="pkg:golang/github.com/pkg/errors@v0.9.1",
            metadata={"checksum": "h1:def="},
        ),
        pkg("example.com/gone", "", f, purl="pkg:golang/example.com/gone", metadata={"replace": "./local"}),
        pkg(
            "example.com/old",
            "v0.9.0",
            f,
            purl="pkg:golang/example.com/old@v0.9.0",
            deps=("stdlib@1.16.15", "github.com/pkg/errors@v0.9.1", "example.com/gone@"),
            metadata={"role": "main", "go_version": "go1.16.15", "package": "example.com/old"},
        ),
    ]


def test_not_go_binaries_yield_nothing(tmp_path: Path) -> None:
    elf, _ = build_elf({".text": b"\x90" * 256, ".data": b"\x01" * 256})
    (tmp_path / "c-program").write_bytes(elf)
    (tmp_path / "script").write_bytes(b"#!/bin/sh\necho hi\n" * 400)
    (tmp_path / "mz-text").write_bytes(b"MZ is not a PE file" * 400)
    for name in ("c-program", "script", "mz-text"):
        assert extract(EX, tmp_path / name)[0] == []


def _hostile_elfs() -> dict[str, tuple[bytes, str]]:
    good, _ = build_elf({".text": b"\x90" * 64})
    ehdr = bytearray(good[:64])
    out: dict[str, tuple[bytes, str]] = {}
    huge_ph = bytearray(ehdr)
    struct.pack_into("<Q", huge_ph, 32, 1 << 60)  # e_phoff far past EOF
    out["phoff-past-eof"] = (bytes(huge_ph) + good[64:], "ELF program header table lies past the end")
    many_ph = bytearray(ehdr)
    struct.pack_into("<H", many_ph, 56, 0xFFFF)  # e_phnum
    out["phnum-huge"] = (bytes(many_ph) + good[64:], "ELF claims 65535 program headers")
    many_sh = bytearray(good)
    struct.pack_into("<H", many_sh, 60, 0xFFFF)  # e_shnum
    out["shnum-huge"] = (bytes(many_sh), "ELF claims 65535 section headers")
    lying_seg = bytearray(good)
    struct.pack_into("<Q", lying_seg, 64 + 32, 1 << 40)  # p_filesz of the PT_LOAD
    out["segment-past-eof"] = (bytes(lying_seg), "ELF segment 0 extends past the end")
    small_ent = bytearray(good)
    struct.pack_into("<H", small_ent, 54, 3)  # e_phentsize
    out["phentsize-tiny"] = (bytes(small_ent), "ELF program header entry size 3 is too small")
    bad_class = bytearray(good)
    bad_class[4] = 9
    out["bad-class"] = (bytes(bad_class), "ELF class 9")
    macho = struct.pack("<IiiIIII", 0xFEEDFACF, 0x01000007, 3, 2, 0xFFFFFFFF, 0x7FFFFFFF, 0) + b"\x00" * 4096
    out["macho-ncmds-huge"] = (macho, "Mach-O claims 4294967295 load commands")
    pe = bytearray(b"MZ" + b"\x00" * 4094)
    struct.pack_into("<I", pe, 0x3C, 0x80)
    pe[0x80:0x84] = b"PE\x00\x00"
    struct.pack_into("<HHIIIHH", pe, 0x84, 0x8664, 1, 0, 0, 0, 240, 0)
    struct.pack_into("<HQ", pe, 0x98, 0x20B, 0)
    struct.pack_into("<QQ", pe, 0x98 + 24, 0x140000000, 0)
    struct.pack_into(
        "<8sIIIIIIHHI", pe, 0x98 + 240, b".data", 0x1000, 0x1000, 0x7FFFFFFF, 0x400, 0, 0, 0, 0, 0xC0000040
    )
    out["pe-section-past-eof"] = (bytes(pe), "PE section .data extends past the end")
    return out


@pytest.mark.parametrize(("name", "case"), list(_hostile_elfs().items()), ids=list(_hostile_elfs()))
def test_lying_headers_fail_fast(tmp_path: Path, name: str, case: tuple[bytes, str]) -> None:
    data, message = case
    (tmp_path / name).write_bytes(data)
    start = time.perf_counter()
    with pytest.raises(ExtractError, match=message):
        extract(EX, tmp_path / name)
    assert time.perf_counter() - start < 0.5


@needs_go
def test_truncated_real_binary_is_an_error(go_module: Path, tmp_path: Path) -> None:
    exe = _build(go_module, tmp_path / "full", "-buildvcs=false")
    (tmp_path / "cut").write_bytes(exe.read_bytes()[: 64 * 1024])
    with pytest.raises(ExtractError, match="past the end of the file"):
        extract(EX, tmp_path / "cut")


def test_parse_modinfo_quoted_settings() -> None:
    info = parse_modinfo(
        "go1.22.3 X:boringcrypto",
        'path\texample.com/x\nmod\texample.com/x\t(devel)\t\nbuild\t-ldflags="-s -w -X \\"example.com/x/cmd/x.Version=v2.0.0\\""\n'
        'build\t"weird key"=value\nbuild\tvcs.modified=true\n',
    )
    assert info.settings == [
        ("-ldflags", '-s -w -X "example.com/x/cmd/x.Version=v2.0.0"'),
        ("weird key", "value"),
        ("vcs.modified", "true"),
    ]
    assert main_version(info) == "v2.0.0"
    assert stdlib_version(info.go_version) == "1.22.3"
    assert stdlib_version("devel go1.23-abcdef") == ""


@pytest.mark.parametrize(
    ("ldflags", "expected"),
    [
        ("-X main.version=1.2.3", "1.2.3"),
        ("-X=main.Version=v1.2.3 -s", "v1.2.3"),
        ("-X 'github.com/a/b/internal/version.ver=0.50.1'", "0.50.1"),
        ("-X main.version=dev", ""),
        ("-X main.version=1.0.0 -X main.Version=2.0.0", ""),  # ambiguous: two different versions in one class
        ("-X example.com/m/cmd/m/x.version=3.0.0 -X main.version=1.0.0", "3.0.0"),
        ("-X foo.bar=1.0.0", ""),
    ],
)
def test_ldflags_versions(ldflags: str, expected: str) -> None:
    info = BuildInfo("go1.21.0", main=Module("example.com/m", "(devel)"), settings=[("-ldflags", ldflags)])
    assert main_version(info) == expected


@pytest.mark.parametrize(
    ("entry", "wanted"),
    [
        (FileRef("usr/bin/app", size=2_000_000, mode=0o755), True),
        (FileRef("app.exe", size=2_000_000, mode=0o644), True),
        (FileRef("usr/bin/tiny", size=100, mode=0o755), False),
        (FileRef("etc/config.json", size=2_000_000, mode=0o644), False),
        (FileRef("usr/lib/libx.so", size=2_000_000, mode=0o644), False),
    ],
)
def test_wants(entry: FileRef, wanted: bool) -> None:
    assert EX.wants(entry) is wanted
