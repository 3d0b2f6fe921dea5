"""rpm's "new database" (NDB) ``Packages.db``, read-only (not public API).

The layout (rpm ``lib/backend/ndb/rpmpkg.c``; go-rpmdb ``pkg/ndb``), all little-endian:

* a 32-byte header: magic ``RpmP``, format version 0, generation, number of slot pages, 4 more words;
* that many 4096-byte slot pages of 16-byte slots (the header takes the first two slots of page 0):
  magic ``Slot``, package index (0 = free), block offset and block count, in 16-byte blocks;
* at ``block offset * 16``, a blob header (magic ``BlbS``, package index, checksum, length) and
  then the header blob itself.

Every slot is checked against the file: blobs must lie inside it, carry the right magic and the
slot's package index, and fit in the blocks the slot reserves.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from typing import BinaryIO

__all__ = ["NdbError", "iter_blobs", "sniff"]

_HEADER_MAGIC = int.from_bytes(b"RpmP", "little")
_SLOT_MAGIC = int.from_bytes(b"Slot", "little")
_BLOB_MAGIC = int.from_bytes(b"BlbS", "little")
_SLOT_PAGE = 4096
_SLOTS_PER_PAGE = _SLOT_PAGE // 16
_BLOCK = 16
#: rpm itself never grows past a few pages; go-rpmdb refuses more than 2048.
_MAX_SLOT_PAGES = 2048


class NdbError(ValueError):
    """The file is not an rpm NDB database, or is corrupt."""


def sniff(head: bytes) -> bool:
    return len(head) >= 4 and int.from_bytes(head[:4], "little") == _HEADER_MAGIC


def iter_blobs(stream: BinaryIO, *, max_blob: int) -> Iterator[tuple[int, bytes]]:
    """``(package index, header blob)`` for every used slot, in slot order."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    head = stream.read(32)
    if len(head) < 32:
        raise NdbError(f"file of {size} bytes is too short for an NDB header")
    magic, version, _generation, npages = struct.unpack_from("<IIII", head)
    if magic != _HEADER_MAGIC:
        raise NdbError("no NDB magic ('RpmP') at the start of the file")
    if version != 0:
        raise NdbError(f"NDB format version {version}, expected 0")
    if npages == 0 or npages > _MAX_SLOT_PAGES:
        raise NdbError(f"{npages} slot pages, expected 1 to {_MAX_SLOT_PAGES}")
    if npages * _SLOT_PAGE > size:
        raise NdbError(f"{npages} slot pages do not fit in a file of {size} bytes (truncated?)")
    stream.seek(0)
    table = stream.read(npages * _SLOT_PAGE)
    slot_area_blocks = npages * _SLOT_PAGE // _BLOCK
    for slot in range(2, npages * _SLOTS_PER_PAGE):  # slots 0 and 1 are the header
        smagic, pkgidx, blkoff, blkcnt = struct.unpack_from("<IIII", table, slot * 16)
        if smagic != _SLOT_MAGIC:
            raise NdbError(f"slot {slot} has a bad magic, expected 'Slot'")
        if pkgidx == 0:
            continue
        if blkoff < slot_area_blocks or (blkoff + blkcnt) * _BLOCK > size or blkcnt == 0:
            raise NdbError(
                f"slot {slot} (package {pkgidx}) points at blocks {blkoff}+{blkcnt}, outside the blob area"
            )
        stream.seek(blkoff * _BLOCK)
        bhead = stream.read(16)
        bmagic, bidx, _cksum, length = struct.unpack_from("<IIII", bhead)
        if bmagic != _BLOB_MAGIC:
            raise NdbError(f"package {pkgidx}: no blob magic ('BlbS') at block {blkoff}")
        if bidx != pkgidx:
            raise NdbError(f"package {pkgidx}: the blob at block {blkoff} belongs to package {bidx}")
        if length > max_blob or 16 + length > blkcnt * _BLOCK:
            raise NdbError(f"package {pkgidx}: blob of {length} bytes does not fit its {blkcnt} blocks")
        blob = stream.read(length)
        if len(blob) != length:
            raise NdbError(f"package {pkgidx}: blob truncated")
        yield pkgidx, blob
