"""Berkeley DB hash databases, read-only, as rpm's ``var/lib/rpm/Packages`` (not public API).

Only what rpm's ``Packages`` file uses is read (libdb ``dbinc/db_page.h``; rpm's own reader is
``lib/backend/bdb_ro.c``, go-rpmdb's is ``pkg/bdb``):

* page 0 is the hash metadata page: magic ``0x061561`` (its byte order gives the file's), page
  size, last page number, encryption algorithm (must be none);
* hash pages (type 13, or 2 for the unsorted pages of old databases) hold an array of 16-bit item
  offsets after the 26-byte page header; items alternate key and data;
* an item is either inline (``H_KEYDATA``: a type byte then the bytes, its length given by the
  neighbouring offset) or off-page (``H_OFFPAGE``: page number and total length of a chain of
  overflow pages, type 7, each holding ``hf_offset`` bytes after its header).

Keys are 4-byte header instance numbers; instance 0 is rpm's counter of the next free number, not a
header. Everything is bounded: pages outside the file, chains that loop or run long, lengths that
disagree with the item's declared total all end in :class:`BdbError`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["BDB_HASH_MAGIC", "BdbError", "iter_values", "sniff"]

BDB_HASH_MAGIC = 0x061561
_PAGE_HEADER = 26
_VALID_PAGE_SIZES = frozenset(1 << n for n in range(9, 17))  # 512 … 65536

_P_HASH_UNSORTED = 2
_P_OVERFLOW = 7
_P_HASHMETA = 8
_P_HASH = 13

_H_KEYDATA = 1
_H_OFFPAGE = 3


class BdbError(ValueError):
    """The file is not a Berkeley DB hash database bastion can read, or is corrupt."""


def sniff(head: bytes) -> bool:
    """True when the first bytes of a file are a Berkeley DB hash metadata page (either byte order)."""
    if len(head) < 26:
        return False
    return head[12:16] in (BDB_HASH_MAGIC.to_bytes(4, "little"), BDB_HASH_MAGIC.to_bytes(4, "big"))


class _Pages:
    def __init__(self, stream: BinaryIO, size: int, page_size: int, order: str) -> None:
        self.stream = stream
        self.page_size = page_size
        self.count = size // page_size
        self.order = order
        # Each overflow page belongs to one item, so a sound file never reads more overflow bytes
        # than it has; items sharing a chain (a hostile file) would otherwise cost items * chain.
        self.overflow_budget = size

    def read(self, pgno: int) -> bytes:
        if pgno < 0 or pgno >= self.count:
            raise BdbError(f"page {pgno} is outside the file ({self.count} pages)")
        self.stream.seek(pgno * self.page_size)
        data = self.stream.read(self.page_size)
        if len(data) != self.page_size:
            raise BdbError(f"page {pgno} is truncated")
        return data


def iter_values(stream: BinaryIO, *, max_value: int) -> Iterator[tuple[bytes, bytes]]:
    """``(key, value)`` of every record in the hash database, in page order.

    ``max_value`` bounds a single value (overflow chains longer than that are refused).
    """
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    meta = stream.read(512)
    if len(meta) < 96:
        raise BdbError(f"file of {size} bytes is too short for a Berkeley DB metadata page")
    if struct.unpack_from("<I", meta, 12)[0] == BDB_HASH_MAGIC:
        order = "<"
    elif struct.unpack_from(">I", meta, 12)[0] == BDB_HASH_MAGIC:
        order = ">"
    else:
        raise BdbError("no Berkeley DB hash magic (0x061561) in the metadata page")
    page_size, encrypt, page_type, _flags, _unused, _free, last_pgno = struct.unpack_from(
        order + "IBBBBII", meta, 20
    )
    if page_size not in _VALID_PAGE_SIZES:
        raise BdbError(f"page size {page_size}, expected a power of two from 512 to 65536")
    if encrypt != 0:
        raise BdbError("the database is encrypted")
    if page_type != _P_HASHMETA:
        raise BdbError(f"metadata page has type {page_type}, expected {_P_HASHMETA} (hash metadata)")
    pages = _Pages(stream, size, page_size, order)
    if last_pgno >= pages.count:
        raise BdbError(
            f"metadata says the last page is {last_pgno}, but the file has {pages.count} pages (truncated?)"
        )

    for pgno in range(1, last_pgno + 1):
        page = pages.read(pgno)
        if page[25] not in (_P_HASH, _P_HASH_UNSORTED):
            continue
        entries = struct.unpack_from(order + "H", page, 20)[0]
        if _PAGE_HEADER + 2 * entries > page_size:
            raise BdbError(f"page {pgno} claims {entries} items, more than fit in a {page_size}-byte page")
        offsets = struct.unpack_from(f"{order}{entries}H", page, _PAGE_HEADER)
        for i in range(0, entries - 1, 2):
            key = _item(pages, page, pgno, offsets, i, max_value=64)
            value = _item(pages, page, pgno, offsets, i + 1, max_value=max_value)
            yield key, value


def _item(
    pages: _Pages, page: bytes, pgno: int, offsets: tuple[int, ...], index: int, *, max_value: int
) -> bytes:
    start = offsets[index]
    end = pages.page_size if index == 0 else offsets[index - 1]
    if not _PAGE_HEADER <= start < end <= pages.page_size:
        raise BdbError(f"page {pgno} item {index} has offset {start}, outside its page")
    kind = page[start]
    if kind == _H_KEYDATA:
        return page[start + 1 : end]
    if kind == _H_OFFPAGE:
        if start + 12 > end:
            raise BdbError(f"page {pgno} item {index} is a truncated off-page reference")
        first, total = struct.unpack_from(pages.order + "II", page, start + 4)
        if total > max_value:
            raise BdbError(f"page {pgno} item {index} is {total} bytes, over the {max_value}-byte limit")
        return _overflow(pages, first, total)
    raise BdbError(f"page {pgno} item {index} has type {kind}, expected inline (1) or off-page (3) data")


def _overflow(pages: _Pages, first: int, total: int) -> bytes:
    chunks: list[bytes] = []
    have = 0
    pgno = first
    seen: set[int] = set()
    capacity = pages.page_size - _PAGE_HEADER
    while have < total:
        if pgno == 0:
            raise BdbError(f"overflow chain from page {first} ends after {have} of {total} bytes")
        if pgno in seen:
            raise BdbError(f"overflow chain from page {first} loops at page {pgno}")
        seen.add(pgno)
        page = pages.read(pgno)
        if page[25] != _P_OVERFLOW:
            raise BdbError(
                f"overflow chain from page {first} reaches page {pgno} of type {page[25]}, expected 7"
            )
        length = struct.unpack_from(pages.order + "H", page, 22)[0]
        if length > capacity:
            raise BdbError(f"overflow page {pgno} claims {length} bytes, more than a page holds")
        chunk = page[_PAGE_HEADER : _PAGE_HEADER + length]
        pages.overflow_budget -= pages.page_size
        if pages.overflow_budget < 0:
            raise BdbError("overflow chains read more pages than the file has (shared or looping chains)")
        chunks.append(chunk)
        have += len(chunk)
        pgno = struct.unpack_from(pages.order + "I", page, 16)[0]
    data = b"".join(chunks)
    if len(data) != total:
        raise BdbError(f"overflow chain from page {first} holds {len(data)} bytes, expected {total}")
    return data
