"""The layered file tree of an image: every layer's entries plus the squashed view.

Squashing follows the OCI image spec's changeset rules: layers apply bottom-up; ``.wh.NAME`` deletes
``NAME`` (and everything below it) from the layers underneath; ``.wh..wh..opq`` hides every lower
entry inside its directory; a non-directory replaces whatever was at its path, subtree included.
Links are resolved the way a chroot would: never outside the image root.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from typing import BinaryIO, cast

from bastion.fs.limits import Limits
from bastion.fs.paths import UnsafePathError, resolve_in_root
from bastion.fs.slice import FileSlice
from bastion.model import ArtifactRef, FileRef, FileType, LayerInfo, ScanError
from bastion.targets.base import FileNotInTreeError
from bastion.targets.image.layers import Entry, LayerResult


class _Node:
    __slots__ = ("children", "entry")

    def __init__(self) -> None:
        self.entry: int = -1  # index into LayeredTree._entries, -1 for an implicit directory
        self.children: dict[str, _Node] | None = None


class LayeredTree:
    """A :class:`~bastion.targets.base.FileTree` over the layers of one image."""

    def __init__(
        self,
        ref: ArtifactRef,
        layers: list[LayerResult],
        *,
        limits: Limits,
        errors: list[ScanError] | None = None,
    ) -> None:
        self._ref = ref
        self._limits = limits
        self._errors: list[ScanError] = list(errors or [])
        self._entries: list[Entry] = []
        self._by_key: dict[tuple[int, str], int] = {}
        self._fds: dict[int, int] = {}
        self._root = _Node()
        self._root.children = {}
        for layer in layers:
            self._errors.extend(layer.errors)
            if layer.pack is not None and layer.pack.exists():
                self._fds[layer.info.index] = os.open(layer.pack, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        for layer in layers:
            self._apply(layer)
        self._visible = self._collect_visible()
        self._stats = self._compute_stats(len(layers))

    # -- building ---------------------------------------------------------------------------------
    def _lookup(self, path: str) -> _Node | None:
        node = self._root
        for part in path.split("/"):
            if node.children is None:
                return None
            child = node.children.get(part)
            if child is None:
                return None
            node = child
        return node

    def _remove(self, path: str) -> None:
        parent_path, _, base = path.rpartition("/")
        parent = self._lookup(parent_path) if parent_path else self._root
        if parent is not None and parent.children is not None:
            parent.children.pop(base, None)

    def _insert(self, path: str, idx: int, is_dir: bool) -> str | None:
        """Place entry ``idx`` at ``path``. Returns the parent path when a parent is a symlink."""
        node = self._root
        parts = path.split("/")
        for depth, part in enumerate(parts[:-1]):
            assert node.children is not None
            child = node.children.get(part)
            if child is None:
                child = _Node()
                child.children = {}
                node.children[part] = child
            elif child.children is None:
                if child.entry >= 0 and self._entries[child.entry].ref.type is FileType.SYMLINK:
                    return "/".join(parts[: depth + 1])
                # a lower layer had a non-directory here; this layer implies a directory
                child.children = {}
                child.entry = -1
            node = child
        assert node.children is not None
        last = parts[-1]
        existing = node.children.get(last)
        if is_dir and existing is not None and existing.children is not None:
            existing.entry = idx  # directory metadata replaced, children kept
            return None
        new = _Node()
        new.entry = idx
        if is_dir:
            new.children = {}
        node.children[last] = new  # replaces a lower file or a whole subtree
        return None

    def _apply(self, layer: LayerResult) -> None:
        for d in layer.opaque:
            node = self._lookup(d) if d else self._root
            if node is not None and node.children is not None:
                node.children = {}
        for gone in layer.whiteouts:
            self._remove(gone)
        index = layer.info.index
        for entry in layer.entries:
            path = entry.ref.path
            key = (index, path)
            previous = self._by_key.get(key)
            idx = len(self._entries)
            self._entries.append(entry)
            self._by_key[key] = idx
            if previous is not None:
                # the same path twice in one tar: the later member wins (tar extraction semantics)
                self._entries[previous].ref = dataclasses.replace(self._entries[previous].ref, visible=False)
            if entry.ref.type is FileType.HARDLINK and entry.offset < 0:
                self._resolve_lower_hardlink(entry, layer)
            is_dir = entry.ref.type is FileType.DIR
            for _ in range(self._limits.max_symlink_hops):
                through = self._insert(path, idx, is_dir)
                if through is None:
                    break
                # a parent is a symlink (``lib -> usr/lib`` and a member ``lib/x``): follow it inside the root
                try:
                    real_parent = resolve_in_root(through, self._readlink, self._limits.max_symlink_hops)
                except UnsafePathError:
                    break
                rest = path[len(through) + 1 :]
                path = f"{real_parent}/{rest}" if real_parent else rest
                entry.ref = dataclasses.replace(entry.ref, path=path)
                self._by_key[(index, path)] = idx

    def _resolve_lower_hardlink(self, entry: Entry, layer: LayerResult) -> None:
        """A hard link whose target is in a lower layer: point at that layer's content."""
        assert entry.ref.link is not None
        try:
            target = resolve_in_root(entry.ref.link, self._readlink, self._limits.max_symlink_hops)
        except UnsafePathError:
            return
        node = self._lookup(target)
        if node is None or node.entry < 0:
            if all(e.ref.path != entry.ref.link for e in layer.entries):
                layer_errors = f"layer {layer.info.index} ({layer.info.diff_id}): hard link target {entry.ref.link!r} not found"
                self._errors.append(
                    ScanError(path=entry.member, message=layer_errors, layer=layer.info.diff_id)
                )
            return
        source = self._entries[node.entry]
        if not source.ref.is_file:
            return
        entry.ref = dataclasses.replace(entry.ref, size=source.ref.size)
        if source.offset >= 0:
            entry.offset, entry.length, entry.content_layer = (
                source.offset,
                source.length,
                source.content_layer,
            )

    def _collect_visible(self) -> set[int]:
        seen: set[int] = set()
        stack = [self._root]
        while stack:
            node = stack.pop()
            if node.entry >= 0:
                seen.add(node.entry)
            if node.children:
                stack.extend(node.children.values())
        for i, entry in enumerate(self._entries):
            if i not in seen and entry.ref.visible:
                entry.ref = dataclasses.replace(entry.ref, visible=False)
        return seen

    def _compute_stats(self, layer_count: int) -> dict[str, int]:
        stats = {
            "files": 0,
            "dirs": 0,
            "symlinks": 0,
            "hardlinks": 0,
            "other": 0,
            "bytes": 0,
            "layers": layer_count,
        }
        for ref in self.walk():
            if ref.type is FileType.FILE:
                stats["files"] += 1
                stats["bytes"] += ref.size
            elif ref.type is FileType.DIR:
                stats["dirs"] += 1
            elif ref.type is FileType.SYMLINK:
                stats["symlinks"] += 1
            elif ref.type is FileType.HARDLINK:
                stats["hardlinks"] += 1
            else:
                stats["other"] += 1
        stats["layer_entries"] = len(self._entries)
        stats["hidden_entries"] = len(self._entries) - len(self._visible)
        return stats

    # -- FileTree ---------------------------------------------------------------------------------
    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        return self._ref.layers

    @property
    def errors(self) -> list[ScanError]:
        return self._errors

    @property
    def stats(self) -> dict[str, int]:
        return dict(self._stats)

    def describe(self) -> ArtifactRef:
        return self._ref

    def walk(self) -> Iterator[FileRef]:
        """The squashed view, depth first, names in sorted order (parents before children)."""
        stack: list[_Node] = [self._root]
        entries = self._entries
        while stack:
            node = stack.pop()
            if node.entry >= 0:
                yield entries[node.entry].ref
            if node.children:
                stack.extend(node.children[name] for name in sorted(node.children, reverse=True))

    def walk_all(self) -> Iterator[FileRef]:
        """Every entry of every layer, bottom layer first, in archive order."""
        for entry in self._entries:
            yield entry.ref

    def _readlink(self, path: str) -> str | None:
        node = self._lookup(path)
        if node is None or node.entry < 0:
            return None
        ref = self._entries[node.entry].ref
        return ref.link if ref.type is FileType.SYMLINK else None

    def _resolve(self, path: str) -> _Node | None:
        path = path.strip("/")
        try:
            resolved = resolve_in_root(path, self._readlink, self._limits.max_symlink_hops)
        except UnsafePathError:
            return None
        node = self._lookup(resolved) if resolved else None
        if node is None and resolved != path:
            node = self._lookup(path)
        return node

    def stat(self, path: str) -> FileRef | None:
        """The entry at ``path`` after resolving symlinks; a directory only implied by its children
        (no tar member of its own) is reported as a plain ``dir`` without a layer."""
        node = self._resolve(path)
        if node is None:
            return None
        if node.entry < 0:
            if node is self._root or node.children is None:
                return None
            resolved = resolve_in_root(path.strip("/"), self._readlink, self._limits.max_symlink_hops)
            return FileRef(resolved, 0, 0o755, FileType.DIR)
        return self._entries[node.entry].ref

    def open(self, ref: FileRef | str) -> BinaryIO:
        if isinstance(ref, str):
            node = self._resolve(ref)
            if node is None or node.entry < 0:
                raise FileNotInTreeError(f"{ref}: not in the image")
            return self._open_entry(self._entries[node.entry], ref)
        idx = self._by_key.get((ref.layer, ref.path)) if ref.layer is not None else None
        if idx is None:
            return self.open(ref.path)
        entry = self._entries[idx]
        if entry.ref.type is FileType.SYMLINK:
            return self.open(ref.path)
        return self._open_entry(entry, ref.path)

    def _open_entry(self, entry: Entry, name: str) -> BinaryIO:
        if not entry.ref.is_file:
            raise FileNotInTreeError(f"{name}: not a regular file ({entry.ref.type.value})")
        if entry.offset < 0:
            raise FileNotInTreeError(
                f"{name}: content not materialised (not requested, or over a size limit)"
            )
        fd = self._fds.get(entry.content_layer)
        if fd is None:
            raise FileNotInTreeError(f"{name}: content of layer {entry.content_layer} not available")
        return cast(BinaryIO, FileSlice(fd, entry.offset, entry.length))

    def close(self) -> None:
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds.clear()
