"""Minimal, bounded readers for executable containers: ELF, Mach-O (thin and fat) and PE.

Only what the binary extractors need: the loadable segments (to read data by virtual address) and the
named sections (``.go.buildinfo``, ``.dep-v0``, ``__go_buildinfo`` …). Every table offset and count is
checked against the real file size before anything is read, so a lying header costs a few reads and
raises :class:`ExeFormatError` instead of a huge allocation or a long loop.

:func:`open_executable` returns None for files that do not start with an executable magic (scripts,
data), so callers can tell "not a binary" (nothing to report) from "a broken binary" (an error).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from bastion.errors import ExtractError

#: Section and segment tables larger than this are refused (real binaries have a few dozen entries).
MAX_TABLE_ENTRIES = 4096
#: Largest section-name string table read.
MAX_STRTAB = 1024 * 1024
#: Smallest file worth opening as an executable.
MIN_EXE_SIZE = 64


class ExeFormatError(ExtractError):
    """The file claims an executable format but its headers are inconsistent."""


@dataclass(frozen=True, slots=True)
class Segment:
    """A loadable range: ``filesz`` bytes at file ``offset`` mapped at virtual address ``vaddr``."""

    name: str
    vaddr: int
    offset: int
    filesz: int
    writable: bool
    executable: bool
    #: For PE sections: the raw Characteristics; for Mach-O: initprot | maxprot << 8. Else 0.
    flags: int = 0


@dataclass(frozen=True, slots=True)
class Section:
    name: str
    addr: int
    offset: int
    size: int
    #: Mach-O segment name (``__DATA``); empty elsewhere.
    segment: str = ""
    #: False for sections without file content (ELF SHT_NOBITS, Mach-O zerofill).
    has_data: bool = True


class Executable:
    """A parsed executable: its format, pointer size, byte order, segments and sections."""

    def __init__(
        self,
        stream: BinaryIO,
        path: str,
        kind: str,
        *,
        base: int,
        file_size: int,
        ptr_size: int,
        big_endian: bool,
        segments: list[Segment],
        sections: list[Section],
        image_base: int = 0,
    ) -> None:
        self.stream = stream
        self.path = path
        self.kind = kind  # "elf" | "macho" | "pe"
        self.base = base  # offset of this image inside the file (fat Mach-O slices)
        self.file_size = file_size
        self.ptr_size = ptr_size
        self.big_endian = big_endian
        self.segments = segments
        self.sections = sections
        self.image_base = image_base

    def section(self, name: str) -> Section | None:
        for sec in self.sections:
            if sec.name == name:
                return sec
        return None

    def read(self, offset: int, size: int) -> bytes:
        """``size`` bytes at file ``offset`` (relative to this image), clipped to the file."""
        start = self.base + offset
        if start < 0 or start >= self.file_size or size <= 0:
            return b""
        self.stream.seek(start)
        return self.stream.read(min(size, self.file_size - start))

    def section_data(self, sec: Section, limit: int) -> bytes:
        if not sec.has_data:
            return b""
        if sec.size > limit:
            raise ExeFormatError(
                f"{self.path}: section {sec.name} is {sec.size} bytes, over the {limit}-byte limit"
            )
        data = self.read(sec.offset, sec.size)
        if len(data) < sec.size:
            raise ExeFormatError(f"{self.path}: section {sec.name} extends past the end of the file")
        return data

    def read_vaddr(self, addr: int, size: int) -> bytes:
        """Up to ``size`` bytes at virtual address ``addr`` (as Go's ``exe.ReadData``); b"" if unmapped."""
        for seg in self.segments:
            if seg.filesz and seg.vaddr <= addr < seg.vaddr + seg.filesz:
                n = min(size, seg.vaddr + seg.filesz - addr)
                return self.read(seg.offset + (addr - seg.vaddr), n)
        return b""


def _file_size(stream: BinaryIO) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


def is_executable_magic(head: bytes) -> bool:
    return (
        head.startswith(b"\x7fELF")
        or head.startswith(b"MZ")
        or head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")
        or head[:4] == b"\xca\xfe\xba\xbe"
    )


def open_executable(stream: BinaryIO, path: str) -> Executable | None:
    """Parse the headers of an ELF, Mach-O or PE file; None when the magic is none of those."""
    size = _file_size(stream)
    if size < MIN_EXE_SIZE:
        return None
    head = stream.read(64)
    if head.startswith(b"\x7fELF"):
        return _elf(stream, path, head, size)
    if head.startswith(b"MZ"):
        return _pe(stream, path, head, size)
    if head[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return _macho(stream, path, 0, size)
    if head[:4] == b"\xca\xfe\xba\xbe":
        return _fat_macho(stream, path, head, size)
    return None


def _need(cond: bool, path: str, what: str) -> None:
    if not cond:
        raise ExeFormatError(f"{path}: {what}")


def _read_exact(stream: BinaryIO, offset: int, size: int, file_size: int, path: str, what: str) -> bytes:
    _need(offset >= 0 and offset + size <= file_size, path, f"{what} lies past the end of the file")
    stream.seek(offset)
    data = stream.read(size)
    _need(len(data) == size, path, f"{what} is truncated")
    return data


# --------------------------------------------------------------------------- ELF


def _elf(stream: BinaryIO, path: str, head: bytes, size: int) -> Executable:
    cls, data = head[4], head[5]
    _need(cls in (1, 2), path, f"ELF class {cls} is neither 32- nor 64-bit")
    _need(data in (1, 2), path, f"ELF data encoding {data} is neither little- nor big-endian")
    e = ">" if data == 2 else "<"
    is64 = cls == 2
    if is64:
        phoff, shoff = struct.unpack_from(e + "QQ", head, 32)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHH", head, 54)
        ph_fmt, ph_min, sh_fmt, sh_min = e + "IIQQQQQQ", 56, e + "IIQQQQIIQQ", 64
    else:
        phoff, shoff = struct.unpack_from(e + "II", head, 28)
        phentsize, phnum, shentsize, shnum, shstrndx = struct.unpack_from(e + "HHHHH", head, 42)
        ph_fmt, ph_min, sh_fmt, sh_min = e + "IIIIIIII", 32, e + "IIIIIIIIII", 40

    segments: list[Segment] = []
    if phnum:
        _need(phentsize >= ph_min, path, f"ELF program header entry size {phentsize} is too small")
        _need(phnum <= MAX_TABLE_ENTRIES, path, f"ELF claims {phnum} program headers")
        table = _read_exact(stream, phoff, phentsize * phnum, size, path, "ELF program header table")
        for i in range(phnum):
            fields = struct.unpack_from(ph_fmt, table, i * phentsize)
            if is64:
                p_type, p_flags, p_offset, p_vaddr, _pa, p_filesz, _ms, _al = fields
            else:
                p_type, p_offset, p_vaddr, _pa, p_filesz, _ms, p_flags, _al = fields
            if p_type != 1:  # PT_LOAD
                continue
            _need(p_offset + p_filesz <= size, path, f"ELF segment {i} extends past the end of the file")
            segments.append(
                Segment(f"LOAD{i}", p_vaddr, p_offset, p_filesz, bool(p_flags & 2), bool(p_flags & 1))
            )

    sections: list[Section] = []
    if shoff:
        _need(shentsize >= sh_min, path, f"ELF section header entry size {shentsize} is too small")
        if shnum == 0:  # extended numbering: the real count is in section 0's sh_size
            first = _read_exact(stream, shoff, sh_min, size, path, "ELF section header table")
            shnum = struct.unpack_from(sh_fmt, first, 0)[5]
        _need(shnum <= MAX_TABLE_ENTRIES, path, f"ELF claims {shnum} section headers")
        table = _read_exact(stream, shoff, shentsize * shnum, size, path, "ELF section header table")
        raw = [struct.unpack_from(sh_fmt, table, i * shentsize) for i in range(shnum)]
        names = b""
        if 0 < shstrndx < shnum:
            _n, _t, _f, _a, str_off, str_size, *_rest = raw[shstrndx]
            _need(str_size <= MAX_STRTAB, path, f"ELF section name table is {str_size} bytes")
            names = _read_exact(stream, str_off, str_size, size, path, "ELF section name table")
        for sh_name, sh_type, _flags, sh_addr, sh_offset, sh_size, *_rest in raw:
            if sh_type == 0:
                continue
            end = names.find(b"\x00", sh_name)
            name = (
                names[sh_name : end if end >= 0 else len(names)].decode("latin-1")
                if sh_name < len(names)
                else ""
            )
            nobits = sh_type == 8
            if not nobits:
                _need(
                    sh_offset + sh_size <= size,
                    path,
                    f"ELF section {name or '?'} extends past the end of the file",
                )
            sections.append(Section(name, sh_addr, sh_offset, sh_size, has_data=not nobits))
    _need(bool(segments or sections), path, "ELF file has neither loadable segments nor sections")
    return Executable(
        stream,
        path,
        "elf",
        base=0,
        file_size=size,
        ptr_size=8 if is64 else 4,
        big_endian=data == 2,
        segments=segments,
        sections=sections,
    )


# --------------------------------------------------------------------------- Mach-O

_LC_SEGMENT, _LC_SEGMENT_64 = 0x1, 0x19


def _fat_macho(stream: BinaryIO, path: str, head: bytes, size: int) -> Executable | None:
    nfat = struct.unpack_from(">I", head, 4)[0]
    # 0xcafebabe is also the Java class-file magic; class files have a version (>= 45) here instead.
    if nfat == 0 or nfat > 32:
        return None
    table = _read_exact(stream, 8, 20 * nfat, size, path, "Mach-O fat header")
    _cpu, _sub, offset, length, _align = struct.unpack_from(">IIIII", table, 0)
    _need(offset + length <= size and length >= 28, path, "Mach-O fat slice lies past the end of the file")
    return _macho(stream, path, offset, size, slice_size=length)


def _macho(stream: BinaryIO, path: str, base: int, size: int, slice_size: int | None = None) -> Executable:
    limit = base + (slice_size if slice_size is not None else size - base)
    hdr = _read_exact(stream, base, 32, size, path, "Mach-O header")
    magic = hdr[:4]
    e = ">" if magic in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf") else "<"
    is64 = magic in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
    _m, _cpu, _sub, _ftype, ncmds, sizeofcmds, _flags = struct.unpack_from(e + "IiiIIII", hdr, 0)
    hsize = 32 if is64 else 28
    _need(ncmds <= MAX_TABLE_ENTRIES, path, f"Mach-O claims {ncmds} load commands")
    cmds = _read_exact(stream, base + hsize, sizeofcmds, limit, path, "Mach-O load commands")
    segments: list[Segment] = []
    sections: list[Section] = []
    pos = 0
    for _ in range(ncmds):
        _need(pos + 8 <= len(cmds), path, "Mach-O load command runs past the command area")
        cmd, cmdsize = struct.unpack_from(e + "II", cmds, pos)
        _need(
            cmdsize >= 8 and pos + cmdsize <= len(cmds),
            path,
            f"Mach-O load command size {cmdsize} is invalid",
        )
        if cmd in (_LC_SEGMENT, _LC_SEGMENT_64):
            wide = cmd == _LC_SEGMENT_64
            seg_fmt = e + "16sQQQQiiII" if wide else e + "16sIIIIiiII"
            sec_fmt = e + "16s16sQQIIIIIIII" if wide else e + "16s16sIIIIIIIII"
            seg_size, sec_size = struct.calcsize(seg_fmt), struct.calcsize(sec_fmt)
            _need(cmdsize >= seg_size, path, "Mach-O segment command is truncated")
            segname, vmaddr, _vmsize, fileoff, filesize, maxprot, initprot, nsects, _f = struct.unpack_from(
                seg_fmt, cmds, pos + 8
            )
            _need(
                seg_size + 8 + nsects * sec_size <= cmdsize + 8,
                path,
                "Mach-O segment claims more sections than fit",
            )
            name = segname.rstrip(b"\x00").decode("latin-1")
            _need(
                base + fileoff + filesize <= limit,
                path,
                f"Mach-O segment {name} extends past the end of the file",
            )
            if name != "__PAGEZERO":
                segments.append(
                    Segment(
                        name,
                        vmaddr,
                        fileoff,
                        filesize,
                        bool(initprot & 2),
                        bool(initprot & 4),
                        flags=(initprot & 0xFF) | ((maxprot & 0xFF) << 8),
                    )
                )
            for j in range(nsects):
                fields = struct.unpack_from(sec_fmt, cmds, pos + 8 + seg_size + j * sec_size)
                sectname, segn, addr, ssize, offset, _al, _ro, _nr, sflags = fields[:9]
                zerofill = (sflags & 0xFF) in (0x1, 0xC, 0x12)
                sname = sectname.rstrip(b"\x00").decode("latin-1")
                if not zerofill:
                    _need(
                        base + offset + ssize <= limit,
                        path,
                        f"Mach-O section {sname} extends past the end of the file",
                    )
                sections.append(
                    Section(sname, addr, offset, ssize, segn.rstrip(b"\x00").decode("latin-1"), not zerofill)
                )
        pos += cmdsize
    return Executable(
        stream,
        path,
        "macho",
        base=base,
        file_size=limit,
        ptr_size=8 if is64 else 4,
        big_endian=e == ">",
        segments=segments,
        sections=sections,
    )


# --------------------------------------------------------------------------- PE


def _pe(stream: BinaryIO, path: str, head: bytes, size: int) -> Executable | None:
    lfanew = struct.unpack_from("<I", head, 0x3C)[0]
    if lfanew + 24 > size:
        return None  # a DOS-only "MZ" file, or a text file starting with "MZ"
    stream.seek(lfanew)
    if stream.read(4) != b"PE\x00\x00":
        return None
    coff = _read_exact(stream, lfanew + 4, 20, size, path, "PE COFF header")
    _machine, nsections, _ts, _sym, _nsym, opt_size, _chars = struct.unpack("<HHIIIHH", coff)
    _need(nsections <= MAX_TABLE_ENTRIES, path, f"PE claims {nsections} sections")
    opt = _read_exact(stream, lfanew + 24, opt_size, size, path, "PE optional header")
    _need(len(opt) >= 2, path, "PE optional header is missing")
    magic = struct.unpack_from("<H", opt, 0)[0]
    if magic == 0x20B:
        _need(len(opt) >= 32, path, "PE32+ optional header is truncated")
        image_base, ptr = struct.unpack_from("<Q", opt, 24)[0], 8
    elif magic == 0x10B:
        _need(len(opt) >= 32, path, "PE32 optional header is truncated")
        image_base, ptr = struct.unpack_from("<I", opt, 28)[0], 4
    else:
        raise ExeFormatError(f"{path}: PE optional header magic {magic:#x} is unknown")
    table = _read_exact(stream, lfanew + 24 + opt_size, 40 * nsections, size, path, "PE section table")
    segments: list[Segment] = []
    sections: list[Section] = []
    for i in range(nsections):
        raw_name, _vsize, vaddr, raw_size, raw_ptr, _r, _l, _nr, _nl, chars = struct.unpack_from(
            "<8sIIIIIIHHI", table, 40 * i
        )
        name = raw_name.rstrip(b"\x00").decode("latin-1")
        if raw_size:
            _need(raw_ptr + raw_size <= size, path, f"PE section {name} extends past the end of the file")
        segments.append(
            Segment(
                name,
                image_base + vaddr,
                raw_ptr,
                raw_size,
                bool(chars & 0x80000000),
                bool(chars & 0x20000000),
                flags=chars,
            )
        )
        sections.append(Section(name, image_base + vaddr, raw_ptr, raw_size, has_data=raw_size > 0))
    return Executable(
        stream,
        path,
        "pe",
        base=0,
        file_size=size,
        ptr_size=ptr,
        big_endian=False,
        segments=segments,
        sections=sections,
        image_base=image_base,
    )


__all__ = ["ExeFormatError", "Executable", "Section", "Segment", "is_executable_magic", "open_executable"]
