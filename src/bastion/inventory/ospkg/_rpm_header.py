"""rpm header blobs, as the three rpm database formats store them (not public API).

A stored header (rpm ``lib/header.c``, ``headerImport``) is::

    il: uint32 BE      number of index entries
    dl: uint32 BE      size of the data store
    il * entry         tag int32, type uint32, offset int32, count uint32 (all BE)
    dl bytes           the data store; every entry's value lives at ``offset`` inside it

The first entry is usually a region tag (``HEADERIMMUTABLE``) whose value only describes the
layout; entries after the region ("dribble" entries added at install time) override region entries
of the same tag, so reading entries in order with the last one winning gives rpm's view.

Every offset, count and length is checked against the blob before it is used: a hostile blob costs
at most one pass over its own bytes and ends in :class:`HeaderError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = ["HeaderError", "RpmHeader", "parse_header"]

# Data types (rpm lib/rpmtag.h rpmTagType_e).
_CHAR, _INT8, _INT16, _INT32, _INT64, _STRING, _BIN, _STRING_ARRAY, _I18NSTRING = 1, 2, 3, 4, 5, 6, 7, 8, 9
_MAX_TYPE = 9

# Tags (rpm lib/rpmtag.h).
TAG_NAME = 1000
TAG_VERSION = 1001
TAG_RELEASE = 1002
TAG_EPOCH = 1003
TAG_SUMMARY = 1004
TAG_SIZE = 1009
TAG_VENDOR = 1011
TAG_LICENSE = 1014
TAG_ARCH = 1022
TAG_OLDFILENAMES = 1027
TAG_SOURCERPM = 1044
TAG_PROVIDENAME = 1047
TAG_REQUIRENAME = 1049
TAG_DIRINDEXES = 1116
TAG_BASENAMES = 1117
TAG_DIRNAMES = 1118
TAG_MODULARITYLABEL = 5096

_WANTED = frozenset(
    {
        TAG_NAME,
        TAG_VERSION,
        TAG_RELEASE,
        TAG_EPOCH,
        TAG_SUMMARY,
        TAG_SIZE,
        TAG_VENDOR,
        TAG_LICENSE,
        TAG_ARCH,
        TAG_OLDFILENAMES,
        TAG_SOURCERPM,
        TAG_PROVIDENAME,
        TAG_REQUIRENAME,
        TAG_DIRINDEXES,
        TAG_BASENAMES,
        TAG_DIRNAMES,
        TAG_MODULARITYLABEL,
    }
)

#: rpm refuses headers with more index entries or a bigger data store (``hdrchkTags``/``hdrchkData``).
MAX_INDEX_ENTRIES = 0xFFFF
MAX_DATA_BYTES = 256 * 1024 * 1024

_ENTRY = struct.Struct(">iIiI")


class HeaderError(ValueError):
    """A header blob is malformed; the message says which part and what was expected."""


@dataclass(frozen=True, slots=True)
class RpmHeader:
    """The fields of one installed package that bastion reports or needs."""

    name: str
    version: str
    release: str
    epoch: int | None = None
    arch: str = ""
    source_rpm: str = ""
    license: str = ""
    vendor: str = ""
    summary: str = ""
    modularity_label: str = ""
    size: int | None = None
    provides: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    files: tuple[str, ...] = ()

    @property
    def evr(self) -> str:
        """``[epoch:]version-release``, the version bastion reports (epoch 0 is omitted)."""
        vr = f"{self.version}-{self.release}" if self.release else self.version
        return f"{self.epoch}:{vr}" if self.epoch else vr


def _cstring(store: bytes, start: int) -> tuple[str, int]:
    """The NUL-terminated string at ``start`` and the offset just past its NUL."""
    end = store.find(b"\0", start)
    if end < 0:
        raise HeaderError(f"string at data offset {start} is not NUL-terminated")
    return store[start:end].decode("utf-8", "replace"), end + 1


def _strings(store: bytes, start: int, count: int) -> list[str]:
    out = []
    pos = start
    for _ in range(count):
        value, pos = _cstring(store, pos)
        out.append(value)
    return out


def _ints(store: bytes, start: int, count: int, size: int) -> list[int]:
    if start + size * count > len(store):
        raise HeaderError(f"{count} integers at data offset {start} run past the data store")
    fmt = {1: "B", 2: "H", 4: "i", 8: "q"}[size]
    return list(struct.unpack_from(f">{count}{fmt}", store, start))


def parse_header(blob: bytes) -> RpmHeader:
    """Decode one stored header. Raises :class:`HeaderError` for anything malformed."""
    if len(blob) < 8:
        raise HeaderError(f"header blob of {len(blob)} bytes, expected at least 8")
    il, dl = struct.unpack_from(">II", blob, 0)
    if il < 1 or il > MAX_INDEX_ENTRIES:
        raise HeaderError(f"header has {il} index entries, expected 1 to {MAX_INDEX_ENTRIES}")
    if dl > MAX_DATA_BYTES:
        raise HeaderError(f"header data store of {dl} bytes, over the {MAX_DATA_BYTES}-byte limit")
    data_start = 8 + 16 * il
    if data_start + dl > len(blob):
        raise HeaderError(
            f"header declares {il} entries and {dl} data bytes, but the blob has only {len(blob)} bytes"
        )
    store = blob[data_start : data_start + dl]

    values: dict[int, tuple[int, int, int]] = {}
    for i in range(il):
        tag, typ, offset, count = _ENTRY.unpack_from(blob, 8 + 16 * i)
        if tag not in _WANTED:
            continue
        if typ < 1 or typ > _MAX_TYPE:
            raise HeaderError(f"tag {tag} has data type {typ}, expected 1 to {_MAX_TYPE}")
        if offset < 0 or offset >= dl:
            raise HeaderError(f"tag {tag} points at data offset {offset}, outside the {dl}-byte data store")
        if count < 1 or count > dl:
            raise HeaderError(f"tag {tag} has {count} values, expected 1 to {dl}")
        values[tag] = (typ, offset, count)  # later (dribble) entries override the region's

    def string(tag: int) -> str:
        if tag not in values:
            return ""
        typ, offset, _ = values[tag]
        if typ not in (_STRING, _I18NSTRING, _STRING_ARRAY):
            raise HeaderError(f"tag {tag} has data type {typ}, expected a string")
        value = _cstring(store, offset)[0]
        return "" if value == "(none)" else value

    def strings(tag: int) -> list[str]:
        if tag not in values:
            return []
        typ, offset, count = values[tag]
        if typ not in (_STRING_ARRAY, _I18NSTRING, _STRING):
            raise HeaderError(f"tag {tag} has data type {typ}, expected a string array")
        return _strings(store, offset, 1 if typ == _STRING else count)

    def ints(tag: int) -> list[int]:
        if tag not in values:
            return []
        typ, offset, count = values[tag]
        size = {_CHAR: 1, _INT8: 1, _INT16: 2, _INT32: 4, _INT64: 8}.get(typ)
        if size is None:
            raise HeaderError(f"tag {tag} has data type {typ}, expected an integer")
        return _ints(store, offset, count, size)

    name = string(TAG_NAME)
    if not name:
        raise HeaderError("header has no NAME tag")
    epochs = ints(TAG_EPOCH)
    sizes = ints(TAG_SIZE)
    return RpmHeader(
        name=name,
        version=string(TAG_VERSION),
        release=string(TAG_RELEASE),
        epoch=epochs[0] if epochs else None,
        arch=string(TAG_ARCH),
        source_rpm=string(TAG_SOURCERPM),
        license=string(TAG_LICENSE),
        vendor=string(TAG_VENDOR),
        summary=string(TAG_SUMMARY),
        modularity_label=string(TAG_MODULARITYLABEL),
        size=sizes[0] if sizes else None,
        provides=tuple(strings(TAG_PROVIDENAME)),
        requires=tuple(strings(TAG_REQUIRENAME)),
        files=_file_names(
            strings(TAG_DIRNAMES), ints(TAG_DIRINDEXES), strings(TAG_BASENAMES), strings(TAG_OLDFILENAMES)
        ),
    )


def _file_names(
    dirnames: list[str], indexes: list[int], basenames: list[str], old: list[str]
) -> tuple[str, ...]:
    """Installed paths: ``DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]`` (rpm ≥ 4), else ``OLDFILENAMES``."""
    if not basenames:
        return tuple(old)
    if len(indexes) != len(basenames):
        raise HeaderError(f"{len(basenames)} BASENAMES but {len(indexes)} DIRINDEXES")
    out = []
    for i, base in enumerate(basenames):
        idx = indexes[i]
        if idx < 0 or idx >= len(dirnames):
            raise HeaderError(f"DIRINDEXES[{i}] = {idx}, but there are {len(dirnames)} DIRNAMES")
        out.append(dirnames[idx] + base)
    return tuple(out)


def parse_source_rpm(source_rpm: str) -> tuple[str, str] | None:
    """``openssl-3.0.7-24.el9.src.rpm`` → ``("openssl", "3.0.7-24.el9")``; None when not of that form."""
    stem = source_rpm
    for suffix in (".src.rpm", ".nosrc.rpm"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    else:
        return None
    parts = stem.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        return None
    return parts[0], f"{parts[1]}-{parts[2]}"
