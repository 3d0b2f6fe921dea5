"""Go build information embedded in executables: a port of Go's ``debug/buildinfo`` and
``runtime/debug.ParseBuildInfo``.

The linker writes a 32-byte header (``\\xff Go buildinf:``, pointer size, flags) aligned to 16 bytes
in ``.go.buildinfo`` (ELF), ``__go_buildinfo`` (Mach-O) or near the start of the first writable data
segment (PE and old binaries). Go ≥ 1.18 sets flag bit 2 and stores the Go version and module info
inline as varint-prefixed strings; older binaries store two pointers to Go string headers.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

from bastion.errors import ExtractError
from bastion.inventory._exe import Executable

MAGIC = b"\xff Go buildinf:"
_ALIGN = 16
_HEADER = 32
#: How much of the data start is searched for the header (Go searches 64 KiB; newer linkers may
#: place it further into the segment, so we keep going in the fallback case up to this bound).
_FIRST_READ = 64 * 1024
_MAX_SEARCH = 32 * 1024 * 1024
#: Largest module-info string accepted.
_MAX_STRING = 8 * 1024 * 1024


class NotGoBinary(Exception):
    """A valid executable without Go build information."""


@dataclass(frozen=True, slots=True)
class Module:
    path: str
    version: str
    sum: str = ""
    replace: Module | None = None


@dataclass(slots=True)
class BuildInfo:
    go_version: str
    path: str = ""
    main: Module | None = None
    deps: list[Module] = field(default_factory=list)
    settings: list[tuple[str, str]] = field(default_factory=list)


def _data_start(exe: Executable) -> tuple[int, bool]:
    """(virtual address to search from, whether it is the dedicated section)."""
    for name in (".go.buildinfo", "__go_buildinfo"):
        sec = exe.section(name)
        if sec is not None and sec.has_data:
            return sec.addr, True
    if exe.kind == "pe":
        # first section that is exactly initialised data, readable, writable (alignment bits ignored)
        want = 0x00000040 | 0x40000000 | 0x80000000
        for seg in exe.segments:
            if seg.vaddr != exe.image_base and seg.filesz and (seg.flags & ~0x600000) == want:
                return seg.vaddr, False
    elif exe.kind == "macho":
        for seg in exe.segments:
            if seg.vaddr and seg.filesz and seg.flags == 0x0303:  # initprot == maxprot == RW
                return seg.vaddr, False
    else:
        for seg in exe.segments:
            if seg.writable and not seg.executable:
                return seg.vaddr, False
    return 0, False


def _find_header(data: bytes) -> int:
    pos = 0
    while True:
        i = data.find(MAGIC, pos)
        if i < 0 or len(data) - i < _HEADER:
            return -1
        if i % _ALIGN == 0:
            return i
        pos = (i + _ALIGN - 1) & ~(_ALIGN - 1)


def _uvarint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    for i in range(pos, min(len(data), pos + 10)):
        b = data[i]
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i + 1
        shift += 7
    return -1, pos


def read_raw(exe: Executable) -> tuple[str, str]:
    """(Go version, module info) as the linker stored them; raises NotGoBinary when absent."""
    addr, dedicated = _data_start(exe)
    if not addr and not dedicated:
        raise NotGoBinary
    data = exe.read_vaddr(addr, _FIRST_READ)
    i = _find_header(data)
    if i < 0 and not dedicated:
        data = exe.read_vaddr(addr, _MAX_SEARCH)
        i = _find_header(data)
    if i < 0:
        raise NotGoBinary
    hdr = data[i:]
    ptr_size, flags = hdr[14], hdr[15]
    if flags & 2:
        vlen, pos = _uvarint(hdr, _HEADER)
        if vlen < 0 or vlen > 1024 or pos + vlen > len(hdr):
            raise NotGoBinary
        vers = hdr[pos : pos + vlen].decode("utf-8", "replace")
        mlen, pos = _uvarint(hdr, pos + vlen)
        if mlen < 0 or mlen > _MAX_STRING:
            raise ExtractError(f"{exe.path}: Go module info length {mlen} is implausible")
        if pos + mlen > len(hdr):  # the module info runs past the first read
            hdr = exe.read_vaddr(addr + i, pos + mlen)
        mod = hdr[pos : pos + mlen].decode("utf-8", "replace") if pos + mlen <= len(hdr) else ""
    else:
        if ptr_size not in (4, 8):
            raise ExtractError(f"{exe.path}: Go build info has pointer size {ptr_size}")
        order = ">" if flags & 1 else "<"
        fmt = order + ("I" if ptr_size == 4 else "Q")

        def read_ptr(b: bytes, off: int = 0) -> int:
            return int(struct.unpack_from(fmt, b, off)[0])

        def read_string(at: int) -> str:
            head = exe.read_vaddr(at, 2 * ptr_size)
            if len(head) < 2 * ptr_size:
                return ""
            where, length = read_ptr(head), read_ptr(head, ptr_size)
            if length > _MAX_STRING:
                return ""
            got = exe.read_vaddr(where, length)
            return got.decode("utf-8", "replace") if len(got) == length else ""

        vers = read_string(read_ptr(hdr, 16))
        mod = read_string(read_ptr(hdr, 16 + ptr_size))
    if not vers:
        raise NotGoBinary
    if len(mod) >= 33 and mod[-17] == "\n":
        mod = mod[16:-16]  # strip the modload infoStart/infoEnd sentinels
    else:
        mod = ""
    return vers, mod


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        try:
            value = json.loads(text)
        except ValueError:
            return text[1:-1]
        return value if isinstance(value, str) else text[1:-1]
    return text


def parse_modinfo(go_version: str, mod: str) -> BuildInfo:
    """``runtime/debug.ParseBuildInfo``: path/mod/dep/=>/build lines, tab separated."""
    info = BuildInfo(go_version=go_version)
    last: Module | None = None
    for line in mod.splitlines():
        kind, _, rest = line.partition("\t")
        parts = rest.split("\t")
        if kind == "path":
            info.path = rest
        elif kind in ("mod", "dep") and len(parts) >= 2:
            m = Module(parts[0], parts[1], parts[2] if len(parts) > 2 else "")
            if kind == "mod":
                info.main = m
            else:
                info.deps.append(m)
            last = m
        elif kind == "=>" and len(parts) >= 2 and last is not None:
            replaced = Module(
                last.path,
                last.version,
                last.sum,
                Module(parts[0], parts[1], parts[2] if len(parts) > 2 else ""),
            )
            if info.main is last:
                info.main = replaced
            elif info.deps and info.deps[-1] is last:
                info.deps[-1] = replaced
            last = None
        elif kind == "build":
            if rest.startswith('"'):
                # a quoted key: find the closing quote, then '='
                end = 1
                while end < len(rest) and (rest[end] != '"' or rest[end - 1] == "\\"):
                    end += 1
                key, value = _unquote(rest[: end + 1]), rest[end + 2 :]
            else:
                key, _, value = rest.partition("=")
            info.settings.append((key, _unquote(value)))
    return info


__all__ = ["BuildInfo", "Module", "NotGoBinary", "parse_modinfo", "read_raw"]
