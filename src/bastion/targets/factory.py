"""Turn what the user typed (``scan image alpine:3.19``, ``scan fs .``) into a Target."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bastion.errors import TargetError, UsageError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.model import ArtifactKind
from bastion.progress import NULL_PROGRESS, ProgressSink
from bastion.targets.base import Target
from bastion.targets.directory import DEFAULT_SKIP_DIRS, DirectoryTarget


@dataclass(frozen=True)
class TargetOptions:
    skip_dirs: tuple[str, ...] = ()
    skip_files: tuple[str, ...] = ()
    platform: str | None = None  # "linux/amd64", "linux/arm64/v8"
    insecure: bool = False  # plain-HTTP (and unverified TLS) registries
    username: str | None = None
    password: str | None = None
    cache_dir: Path | None = None
    timeout: float = 300.0
    limits: Limits = DEFAULT_LIMITS
    history: bool = False  # repo: also scan git history (secrets)
    progress: ProgressSink = field(default=NULL_PROGRESS, compare=False)


def open_target(kind: str, ref: str, options: TargetOptions | None = None) -> Target:
    options = options or TargetOptions()
    try:
        akind = ArtifactKind(kind)
    except ValueError:
        raise UsageError(
            f"unknown target kind {kind!r}", hint="use image, fs, repo, sbom or config"
        ) from None
    skip_dirs = DEFAULT_SKIP_DIRS + options.skip_dirs
    if akind is ArtifactKind.IMAGE:
        from bastion.targets.image import image_target

        return image_target(ref, options)
    if akind is ArtifactKind.SBOM:
        from bastion.targets.sbom_file import SbomTarget

        return SbomTarget(Path(ref), limits=options.limits)
    if akind is ArtifactKind.REPO:
        from bastion.targets.git import GitTarget

        return GitTarget(
            ref,
            skip_dirs=skip_dirs,
            skip_files=options.skip_files,
            limits=options.limits,
            history=options.history,
        )
    if akind is ArtifactKind.CONFIG and ref == "-":
        ref = _stdin_to_dir(options.limits)
    if not Path(ref).exists():
        raise TargetError(f"{ref}: no such file or directory")
    return DirectoryTarget(
        ref, kind=akind, skip_dirs=skip_dirs, skip_files=options.skip_files, limits=options.limits
    )


def _stdin_to_dir(limits: Limits) -> str:
    """``bastion scan config -``: standard input (e.g. ``helm template … |``) as ``stdin.yaml``/``stdin.json``
    in a temporary directory that is removed at exit."""
    import atexit
    import shutil
    import sys
    import tempfile

    data = sys.stdin.buffer.read(limits.max_parse_bytes + 1)
    if len(data) > limits.max_parse_bytes:
        raise TargetError(f"-: standard input is over the {limits.max_parse_bytes}-byte parse limit")
    root = tempfile.mkdtemp(prefix="bastion-stdin-")
    atexit.register(shutil.rmtree, root, True)
    name = "stdin.json" if data.lstrip()[:1] in (b"{", b"[") else "stdin.yaml"
    (Path(root) / name).write_bytes(data)
    return root
