"""Directories and root filesystems (``bastion scan fs PATH``).

The walk never follows symlinks (they are listed with their target), never opens FIFOs, sockets or
devices, reports unreadable directories and files as errors, and is bounded in depth and entry count.
Reading a path resolves symlinks *inside* the root, like a chroot, so a link to ``/etc/shadow`` in a
scanned tree reads the tree's own ``etc/shadow``, never the host's.
"""

from __future__ import annotations

import os
import stat as statmod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from bastion.errors import TargetError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.paths import UnsafePathError, compile_globs, resolve_in_root
from bastion.model import ArtifactKind, ArtifactRef, FileRef, FileType, LayerInfo, ScanError
from bastion.targets.base import FileNotInTreeError, WantFn

#: Skipped by default in every walk. Pass ``skip_dirs`` explicitly to change.
DEFAULT_SKIP_DIRS: tuple[str, ...] = (".git", ".hg", ".svn")
#: Pseudo filesystems skipped when the root is ``/``.
ROOTFS_SKIP_DIRS: tuple[str, ...] = ("/proc", "/sys", "/dev", "/run")


def _file_type(mode: int) -> FileType:
    if statmod.S_ISREG(mode):
        return FileType.FILE
    if statmod.S_ISDIR(mode):
        return FileType.DIR
    if statmod.S_ISLNK(mode):
        return FileType.SYMLINK
    return FileType.OTHER


class DirectoryTree:
    """A :class:`~bastion.targets.base.FileTree` over a real directory."""

    def __init__(
        self,
        root: Path,
        *,
        only: str | None = None,
        skip_dirs: Sequence[str] = DEFAULT_SKIP_DIRS,
        skip_files: Sequence[str] = (),
        limits: Limits = DEFAULT_LIMITS,
        exclude: frozenset[str] = frozenset(),
    ) -> None:
        self.root = root
        #: Exact relative paths (files or directories) left out of the walk, e.g. what git ignores.
        self._exclude = exclude
        self._root_str = os.fspath(root)
        self._only = only  # a single-file target: the tree holds just this relative path
        dirs = list(skip_dirs)
        if os.path.realpath(root) == "/":
            dirs.extend(ROOTFS_SKIP_DIRS)
        self._skip_dir = compile_globs(dirs)
        self._skip_file = compile_globs(skip_files)
        self._limits = limits
        self._errors: list[ScanError] = []

    # -- FileTree -------------------------------------------------------------------------------
    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        return ()

    @property
    def errors(self) -> list[ScanError]:
        return self._errors

    def walk_all(self) -> Iterator[FileRef]:
        return self.walk()

    def walk(self) -> Iterator[FileRef]:
        if self._only is not None:
            ref = self._lstat(self._only)
            if ref is not None:
                yield ref
            return
        limits = self._limits
        count = 0
        stack: list[tuple[str, int]] = [("", 0)]
        while stack:
            rel_dir, depth = stack.pop()
            full = os.path.join(self._root_str, rel_dir) if rel_dir else self._root_str
            try:
                with os.scandir(full) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self._errors.append(
                    ScanError(path=rel_dir or ".", message=f"cannot list directory: {exc.strerror}")
                )
                continue
            subdirs: list[str] = []
            for entry in entries:
                rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError as exc:
                    self._errors.append(ScanError(path=rel, message=f"cannot stat: {exc.strerror}"))
                    continue
                ftype = _file_type(st.st_mode)
                if rel in self._exclude:
                    continue
                if ftype is FileType.DIR:
                    if self._skip_dir(rel):
                        continue
                    if depth + 1 > limits.max_depth:
                        self._errors.append(
                            ScanError(path=rel, message=f"deeper than {limits.max_depth} levels; not walked")
                        )
                        continue
                    subdirs.append(rel)
                elif self._skip_file(rel):
                    continue
                count += 1
                if count > limits.max_files:
                    self._errors.append(
                        ScanError(path=rel, message=f"more than {limits.max_files} entries; walk stopped")
                    )
                    return
                link = None
                if ftype is FileType.SYMLINK:
                    try:
                        link = os.readlink(entry.path)
                    except OSError:
                        link = None
                yield FileRef(
                    path=rel, size=st.st_size, mode=statmod.S_IMODE(st.st_mode), type=ftype, link=link
                )
            # children are visited after the whole directory, in name order
            stack.extend((d, depth + 1) for d in reversed(subdirs))

    def _readlink(self, rel: str) -> str | None:
        try:
            return os.readlink(os.path.join(self._root_str, rel))
        except OSError:
            return None

    def _resolve(self, path: str) -> str:
        try:
            return resolve_in_root(path, self._readlink, self._limits.max_symlink_hops)
        except UnsafePathError as exc:
            raise FileNotInTreeError(str(exc)) from None

    def _lstat(self, rel: str) -> FileRef | None:
        try:
            st = os.lstat(os.path.join(self._root_str, rel))
        except OSError:
            return None
        ftype = _file_type(st.st_mode)
        link = self._readlink(rel) if ftype is FileType.SYMLINK else None
        return FileRef(path=rel, size=st.st_size, mode=statmod.S_IMODE(st.st_mode), type=ftype, link=link)

    def stat(self, path: str) -> FileRef | None:
        try:
            resolved = self._resolve(path.strip("/"))
        except FileNotInTreeError:
            return None
        return self._lstat(resolved)

    def open(self, ref: FileRef | str) -> BinaryIO:
        if isinstance(ref, FileRef) and ref.type is FileType.FILE:
            # An entry from walk(): the walk never descends through symlinks, so no component of its path
            # is a link; O_NOFOLLOW below guards the last one. No per-component readlink needed.
            rel = ref.path
            resolved = rel
        else:
            rel = ref if isinstance(ref, str) else ref.path
            resolved = self._resolve(rel.strip("/"))
        full = os.path.join(self._root_str, resolved)
        try:
            fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
        except OSError as exc:
            raise FileNotInTreeError(f"{rel}: cannot open: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            if not statmod.S_ISREG(st.st_mode):
                raise FileNotInTreeError(f"{rel}: not a regular file")
            os.set_blocking(fd, True)
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise


class DirectoryTarget:
    """``bastion scan fs PATH``: a directory, a mounted root filesystem, or a single file."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        kind: ArtifactKind = ArtifactKind.FS,
        skip_dirs: Sequence[str] = DEFAULT_SKIP_DIRS,
        skip_files: Sequence[str] = (),
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise TargetError(f"{self.path}: no such file or directory")
        self.kind = kind
        self._skip_dirs = tuple(skip_dirs)
        self._skip_files = tuple(skip_files)
        self._limits = limits

    def describe(self) -> ArtifactRef:
        resolved = self.path.resolve()
        return ArtifactRef(kind=self.kind, ref=str(resolved), name=resolved.name or str(resolved))

    @contextmanager
    def open(self, want: WantFn | None = None) -> Iterator[DirectoryTree]:
        if self.path.is_dir():
            tree = DirectoryTree(
                self.path, skip_dirs=self._skip_dirs, skip_files=self._skip_files, limits=self._limits
            )
        else:
            tree = DirectoryTree(self.path.parent, only=self.path.name, limits=self._limits)
        yield tree
