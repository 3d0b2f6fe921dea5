"""Helpers for the language-inventory tests (Go, Rust, Java, Ruby, PHP, .NET, other).

``extract`` runs one extractor on one real file through a real :class:`DirectoryTree`, exactly as the
runner does (same FileRef, same stream, same context). ``build_elf`` assembles small ELF64 files with
chosen sections, for binary formats no toolchain here can produce (old Go build info, cargo-auditable).
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

from bastion.inventory.base import ExtractContext, Extractor
from bastion.inventory.runner import InventoryRun, run_extractors
from bastion.model import Ecosystem, Location, Package
from bastion.targets.directory import DirectoryTree
from tests._support.paths import FIXTURES, SHARED

LOCKFILES = FIXTURES / "lockfiles"
SHARED_PARSER = SHARED / "fixtures" / "lockfiles" / "dependency" / "parser"


def run_extractor(extractor: Extractor, root: Path, rel: str) -> tuple[list[Package], list[tuple[str, str]]]:
    """Extract ``rel`` inside the tree rooted at ``root``: (packages, warnings).

    ``wants()`` is not consulted: fixture files are named after their scenario, and every extractor
    has its own ``wants()`` table.
    """
    tree = DirectoryTree(root)
    ref = tree.stat(rel)
    assert ref is not None, f"{root}/{rel} missing"
    ctx = ExtractContext(tree=tree)
    with tree.open(ref) as stream:
        packages = list(extractor.extract(ref, stream, ctx))
    return packages, list(ctx.warnings)


def extract(
    extractor: Extractor, file: Path, root: Path | None = None
) -> tuple[list[Package], list[tuple[str, str]]]:
    """(packages, warnings) from running ``extractor`` on ``file`` inside the tree at ``root``."""
    root = root or file.parent
    return run_extractor(extractor, root, file.relative_to(root).as_posix())


def expected(
    plugin: str,
    path: str,
    name: str,
    version: str,
    purl: str,
    *,
    ecosystem: Ecosystem,
    direct: bool | None = None,
    dev: bool | None = None,
    licenses: tuple[str, ...] = (),
    deps: tuple[str, ...] = (),
    meta: dict[str, str] | None = None,
    line: int | None = None,
) -> Package:
    """A complete expected Package as an extractor returns it (ids are assigned later, by the runner)."""
    return Package(
        name=name,
        version=version,
        ecosystem=ecosystem,
        purl=purl,
        locations=(Location(path=path, line=line),),
        found_by=plugin,
        direct=direct,
        dev=dev,
        licenses=licenses,
        dependencies=deps,
        metadata=meta or {},
    )


def run(root: Path, *extractors: Extractor) -> InventoryRun:
    return run_extractors(DirectoryTree(root), extractors)


def copy_fixture(src: Path, dst_dir: Path, name: str | None = None) -> Path:
    dst_dir.mkdir(parents=True, exist_ok=True)
    dst = dst_dir / (name or src.name)
    shutil.copyfile(src, dst)
    return dst


def build_elf(
    sections: dict[str, bytes], *, vaddr: int = 0x400000, align: int = 16
) -> tuple[bytes, dict[str, int]]:
    """An ELF64 little-endian executable whose one PT_LOAD maps the whole file at ``vaddr``.

    Returns the bytes and each section's virtual address (section data is ``align``-aligned).
    """
    header_size, phdr_size = 64, 56
    body = bytearray()
    offsets: dict[str, int] = {}
    pos = header_size + phdr_size
    for name, data in sections.items():
        pad = (-(pos + len(body))) % align
        body += b"\x00" * pad
        offsets[name] = pos + len(body)
        body += data
    names = b"\x00" + b"".join(n.encode() + b"\x00" for n in [*sections, ".shstrtab"])
    strtab_off = pos + len(body)
    body += names
    pad = (-(pos + len(body))) % 8
    body += b"\x00" * pad
    shoff = pos + len(body)
    shnum = len(sections) + 2
    file_size = shoff + 64 * shnum
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\x00" * 8
    ehdr += struct.pack(
        "<HHIQQQIHHHHHH",
        2,
        62,
        1,
        vaddr + header_size,
        header_size,
        shoff,
        0,
        64,
        56,
        1,
        64,
        shnum,
        shnum - 1,
    )
    phdr = struct.pack("<IIQQQQQQ", 1, 6, 0, vaddr, vaddr, file_size, file_size, 0x1000)  # PT_LOAD, RW
    shdrs = b"\x00" * 64
    name_pos = 1
    for name, data in sections.items():
        shdrs += struct.pack(
            "<IIQQQQIIQQ", name_pos, 1, 3, vaddr + offsets[name], offsets[name], len(data), 0, 0, align, 0
        )
        name_pos += len(name) + 1
    shdrs += struct.pack("<IIQQQQIIQQ", name_pos, 3, 0, 0, strtab_off, len(names), 0, 0, 1, 0)
    out = ehdr + phdr + bytes(body) + shdrs
    assert len(out) == file_size
    return out, {n: vaddr + o for n, o in offsets.items()}
