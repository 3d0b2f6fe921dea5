"""Reading one layer blob: decompress, walk the tar once, record every entry, keep wanted contents.

Each layer is streamed exactly once (a second, targeted pass happens only for the rare hard link
whose target was not kept the first time). Member names are normalised and refused when they try to
leave the root; nothing from the archive ever becomes a path on disk: the contents of wanted files are
appended to one scratch *pack* file per layer and addressed by (offset, size).

Problems inside a layer (a refused member, a corrupt or truncated stream, a crossed limit) become
:class:`~bastion.model.ScanError` entries naming the layer and the member, and the rest of the image
is still read. A blob that does not hash to its digest raises :class:`~bastion.errors.DigestMismatchError`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from bastion.errors import DigestMismatchError
from bastion.fs.limits import Limits
from bastion.fs.paths import UnsafePathError, normalize_member
from bastion.fs.tar import (
    CORRUPT_STREAM_ERRORS,
    DIRECTORY,
    HARDLINK,
    REGULAR,
    SYMLINK,
    MeteredReader,
    TarMember,
    TarReader,
    open_decompressed,
    sha256_hasher,
    sniff_compression,
)
from bastion.model import FileRef, FileType, LayerInfo, ScanError
from bastion.progress import NULL_PROGRESS, ProgressSink
from bastion.targets.base import WantFn

WHITEOUT_PREFIX = ".wh."
OPAQUE_MARKER = ".wh..wh..opq"
_COPY_CHUNK = 1 << 20
_READ_ERRORS: tuple[type[BaseException], ...] = (*CORRUPT_STREAM_ERRORS, OSError)


@dataclass(frozen=True, slots=True)
class LayerBlob:
    """How to read one layer: a seekable raw stream factory, plus the digest to verify it against.

    ``verify`` is None when the bytes were verified already (a cache entry written after verification).
    """

    open: Callable[[], AbstractContextManager[BinaryIO]]
    verify: str | None
    location: str  # for messages: "blobs/sha256/ab12…" or a URL


class _Stop(Exception):
    """Raised from inside a metered read to abandon a layer (limit crossed)."""

    def __init__(self, reason: str, *, global_stop: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.global_stop = global_stop


class Budget:
    """Limits shared by every layer of one image (layers may be read concurrently)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self.bytes = 0
        self.entries = 0
        self.exhausted: str | None = None

    def add_bytes(self, n: int) -> None:
        with self._lock:
            self.bytes += n
            if self.bytes > self.limits.max_total_bytes and self.exhausted is None:
                self.exhausted = f"more than {self.limits.max_total_bytes} bytes unpacked from the image (max_total_bytes); unpacking stopped"
        if self.exhausted is not None:
            raise _Stop(self.exhausted, global_stop=True)

    def add_entry(self) -> None:
        with self._lock:
            self.entries += 1
            if self.entries > self.limits.max_files and self.exhausted is None:
                self.exhausted = (
                    f"more than {self.limits.max_files} entries in the image (max_files); unpacking stopped"
                )
        if self.exhausted is not None:
            raise _Stop(self.exhausted, global_stop=True)


@dataclass(slots=True)
class Entry:
    """One tar member of one layer, as recorded."""

    ref: FileRef
    member: str
    offset: int = -1  # into the pack of ``content_layer``; -1 when the content was not kept
    length: int = 0
    content_layer: int = -1


@dataclass
class LayerResult:
    info: LayerInfo
    entries: list[Entry] = field(default_factory=list)
    whiteouts: list[str] = field(default_factory=list)  # paths deleted from lower layers
    opaque: list[str] = field(default_factory=list)  # directories whose lower contents are hidden
    errors: list[ScanError] = field(default_factory=list)
    pack: Path | None = None
    compressed_bytes: int = 0
    uncompressed_bytes: int = 0
    complete: bool = True

    def error(self, member: str, message: str) -> None:
        self.errors.append(
            ScanError(
                path=member or ".",
                message=f"layer {self.info.index} ({self.info.diff_id}): {message}",
                layer=self.info.diff_id,
            )
        )


def _climbs_out(parent: str, target: str) -> bool:
    """True when a relative link target, taken lexically from ``parent``, goes above the root."""
    if target.startswith("/"):
        return False
    depth = len([p for p in parent.split("/") if p])
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            depth -= 1
            if depth < 0:
                return True
        else:
            depth += 1
    return False


def read_layer(
    info: LayerInfo,
    blob: LayerBlob,
    *,
    compression_hint: str | None,
    want: WantFn | None,
    scratch: Path,
    budget: Budget,
    progress: ProgressSink = NULL_PROGRESS,
    progress_key: str = "layers",
) -> LayerResult:
    """Stream one layer and record it. Raises only :class:`DigestMismatchError` (and bugs)."""
    result = LayerResult(info=info)
    limits = budget.limits
    if budget.exhausted is not None:
        result.complete = False
        result.error("", f"not read: {budget.exhausted}")
        return result
    pack_path = scratch / f"layer-{info.index:04d}.pack"
    result.pack = pack_path
    by_path: dict[str, Entry] = {}
    refetch: dict[str, list[Entry]] = {}

    try:
        with blob.open() as raw, open(pack_path, "wb", buffering=_COPY_CHUNK) as pack:
            head = raw.read(512)
            raw.seek(0)
            compression = sniff_compression(head)
            if compression_hint not in (None, "none") and compression == "none":
                result.error(
                    "",
                    f"media type says {compression_hint} but the blob is not {compression_hint}-compressed; read as a plain tar",
                )
            hasher = sha256_hasher() if blob.verify else None
            raw_meter = MeteredReader(
                raw, hasher=hasher, on_bytes=lambda n: progress.advance(progress_key, n)
            )

            last_checked = 0

            def check(total: int) -> None:
                nonlocal last_checked
                budget.add_bytes(total - last_checked)
                last_checked = total
                comp = raw_meter.count
                if (
                    compression != "none"
                    and total > limits.ratio_grace_bytes
                    and comp > 0
                    and total / comp > limits.max_compression_ratio
                ):
                    raise _Stop(
                        f"decompression ratio over {limits.max_compression_ratio}:1 after {total} bytes "
                        f"(decompression bomb?); rest of the layer not read"
                    )

            member = ""
            try:
                stream = open_decompressed(raw_meter, compression)  # type: ignore[arg-type]
                meter = MeteredReader(stream, check=check)
                reader = TarReader(meter)
                while True:
                    tm = reader.next()
                    if tm is None:
                        break
                    member = tm.name
                    _record(tm, reader, result, by_path, refetch, pack, want, budget, limits)
                result.uncompressed_bytes = meter.count
            except _Stop as stop:
                result.complete = False
                result.error(member if not stop.global_stop else "", stop.reason)
            except CORRUPT_STREAM_ERRORS as exc:
                result.complete = False
                result.error(
                    member,
                    f"corrupt or truncated layer after member {member!r}: {exc or type(exc).__name__}; rest of the layer not read",
                )
            except OSError as exc:
                result.complete = False
                result.error(member, f"cannot read layer: {exc}")
            finally:
                result.compressed_bytes = raw_meter.count
            # The digest covers every byte of the blob, including what the tar reader did not need.
            if hasher is not None and blob.verify:
                raw_meter.drain()
                actual = "sha256:" + hasher.hexdigest()
                if actual != blob.verify:
                    raise DigestMismatchError(
                        f"{blob.location}: content digest mismatch for layer {info.index}: expected {blob.verify}, got {actual}",
                        hint="the blob is corrupt or was tampered with; nothing from this image can be trusted",
                    )
    except OSError as exc:  # the blob vanished or cannot be read: this layer only
        result.complete = False
        result.error("", f"cannot read the layer blob {blob.location}: {exc.strerror or exc}")
        return result

    if refetch:
        _refetch(info, blob, result, refetch, pack_path, budget)
    return result


def _record(
    tm: TarMember,
    reader: TarReader,
    result: LayerResult,
    by_path: dict[str, Entry],
    refetch: dict[str, list[Entry]],
    pack: BinaryIO,
    want: WantFn | None,
    budget: Budget,
    limits: Limits,
) -> None:
    name = tm.name
    try:
        path = normalize_member(name)
    except UnsafePathError as exc:
        result.error(name, f"member refused: {exc.message}")
        return
    if not path:
        return  # the root directory itself
    parent, _, base = path.rpartition("/")
    if base.startswith(WHITEOUT_PREFIX):
        if base == OPAQUE_MARKER:
            result.opaque.append(parent)
        elif not base.startswith(".wh..wh."):
            gone = base[len(WHITEOUT_PREFIX) :]
            if gone:
                result.whiteouts.append(f"{parent}/{gone}" if parent else gone)
        return
    budget.add_entry()
    kind = tm.kind
    mode = tm.mode
    index = result.info.index
    diff_id = result.info.diff_id
    if kind == REGULAR:
        ref = FileRef(path, tm.size, mode, FileType.FILE, None, index, diff_id)
        entry = Entry(ref, name)
        if want is None or want(ref):
            if tm.size > limits.max_file_size:
                result.error(
                    name,
                    f"{tm.size} bytes, over the {limits.max_file_size}-byte file size limit; listed, content not read",
                )
            else:
                entry.offset = pack.tell()
                entry.length = reader.copy_data(pack)
                entry.content_layer = index
    elif kind == DIRECTORY:
        entry = Entry(FileRef(path, 0, mode, FileType.DIR, None, index, diff_id), name)
    elif kind == SYMLINK:
        target = tm.linkname
        if not target or "\x00" in target:
            result.error(name, "symlink with an empty or NUL-containing target refused")
            return
        if _climbs_out(parent, target):
            result.error(name, f"symlink escapes the image root (-> {target!r}); refused")
            return
        entry = Entry(FileRef(path, 0, mode, FileType.SYMLINK, target, index, diff_id), name)
    elif kind == HARDLINK:
        try:
            target = normalize_member(tm.linkname)
        except UnsafePathError as exc:
            result.error(name, f"hard link escapes the image root: {exc.message}; refused")
            return
        if not target or target == path:
            result.error(name, f"hard link to {tm.linkname!r} refused")
            return
        source = by_path.get(target)
        size = source.ref.size if source is not None and source.ref.is_file else 0
        entry = Entry(FileRef(path, size, mode, FileType.HARDLINK, target, index, diff_id), name)
        if source is not None and source.ref.is_file:
            if source.offset >= 0:
                entry.offset, entry.length, entry.content_layer = (
                    source.offset,
                    source.length,
                    source.content_layer,
                )
            elif size <= limits.max_file_size and (want is None or want(entry.ref)):
                refetch.setdefault(source.member, []).append(entry)
        # a target in a lower layer is resolved when the layers are squashed
    else:  # devices, FIFOs, sparse and other exotic members: listed, never opened
        entry = Entry(FileRef(path, tm.size, mode, FileType.OTHER, None, index, diff_id), name)
    result.entries.append(entry)
    by_path[path] = entry


def _refetch(
    info: LayerInfo,
    blob: LayerBlob,
    result: LayerResult,
    refetch: dict[str, list[Entry]],
    pack_path: Path,
    budget: Budget,
) -> None:
    """Second pass for hard links whose target was not kept on the first: copy just those members."""
    try:
        with blob.open() as raw, open(pack_path, "ab") as pack:
            head = raw.read(512)
            raw.seek(0)
            reader = TarReader(open_decompressed(raw, sniff_compression(head)))
            pending = dict(refetch)
            while pending:
                tm = reader.next()
                if tm is None:
                    break
                links = pending.pop(tm.name, None)
                if links is None or tm.kind != REGULAR:
                    continue
                offset = pack.tell()
                length = reader.copy_data(pack)
                for link in links:
                    link.offset, link.length, link.content_layer = offset, length, info.index
    except _READ_ERRORS as exc:
        result.error("", f"cannot re-read hard link targets: {exc}")


def pack_fd(path: Path) -> int:
    return os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
