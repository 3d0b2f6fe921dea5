"""Git working trees (``bastion scan repo PATH``): the checkout's files plus commit metadata.

``history=True`` asks content detectors to also scan every added line of every commit (see
:mod:`bastion.detectors.secrets`); the tree itself is the working tree.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from bastion.errors import TargetError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import ArtifactKind, ArtifactRef
from bastion.targets.base import WantFn
from bastion.targets.directory import DEFAULT_SKIP_DIRS, DirectoryTarget, DirectoryTree


def git(root: Path, *args: str, timeout: float = 60.0) -> str | None:
    """Run a read-only git command in ``root``; None when git is missing or the command fails."""
    exe = shutil.which("git")
    if exe is None:
        return None
    try:
        proc = subprocess.run(
            [exe, "-C", str(root), "-c", "safe.directory=*", *args],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    return proc.stdout.decode("utf-8", "replace").strip()


def ignored_paths(root: Path) -> frozenset[str]:
    """What git ignores in the working tree (``.gitignore``, ``.git/info/exclude``, the global excludes):
    whole directories collapsed to one entry, relative POSIX paths. Empty when git is unavailable."""
    listing = git(root, "ls-files", "--others", "--ignored", "--exclude-standard", "--directory", "-z")
    if not listing:
        return frozenset()
    return frozenset(p.rstrip("/") for p in listing.split("\0") if p.strip("/"))


class GitTarget(DirectoryTarget):
    """A repository checkout: the files the repository holds (tracked, and untracked but not ignored).

    Paths git ignores (virtualenvs, build output, caches) are left out, unlike ``scan fs``; scan the
    directory as ``fs`` to include them.
    """

    def __init__(
        self,
        path: str,
        *,
        skip_dirs: Sequence[str] = DEFAULT_SKIP_DIRS,
        skip_files: Sequence[str] = (),
        limits: Limits = DEFAULT_LIMITS,
        history: bool = False,
    ) -> None:
        if path.startswith(("http://", "https://", "git@", "ssh://")):
            raise TargetError(
                f"{path}: remote repositories are not cloned by bastion",
                hint="clone it first, then scan the checkout",
            )
        super().__init__(
            path, kind=ArtifactKind.REPO, skip_dirs=skip_dirs, skip_files=skip_files, limits=limits
        )
        if not self.path.is_dir():
            raise TargetError(f"{path}: not a directory")
        self.history = history

    @contextmanager
    def open(self, want: WantFn | None = None) -> Iterator[DirectoryTree]:
        yield DirectoryTree(
            self.path,
            skip_dirs=self._skip_dirs,
            skip_files=self._skip_files,
            limits=self._limits,
            exclude=ignored_paths(self.path),
        )

    def describe(self) -> ArtifactRef:
        ref = super().describe()
        root = self.path
        meta: dict[str, str] = {}
        for key, args in (
            ("commit", ("rev-parse", "HEAD")),
            ("branch", ("rev-parse", "--abbrev-ref", "HEAD")),
            ("remote", ("config", "--get", "remote.origin.url")),
        ):
            value = git(root, *args)
            if value:
                meta[key] = value
        if self.history:
            meta["history"] = "true"
        return dataclasses.replace(
            ref, metadata=meta, digest=f"git:{meta['commit']}" if "commit" in meta else None
        )
