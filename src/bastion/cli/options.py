"""Options shared by the commands that open a target (``scan``, ``sbom``, ``secrets baseline``).

One definition per option, so the flags, help texts and environment variables stay the same everywhere.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.progress import ProgressSink
from bastion.targets.factory import TargetOptions

Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bars or notices on stderr.")]
SkipDirs = Annotated[
    list[str] | None,
    typer.Option("--skip-dirs", help="Glob of directories to skip (repeatable, ** allowed)."),
]
SkipFiles = Annotated[
    list[str] | None, typer.Option("--skip-files", help="Glob of files to skip (repeatable, ** allowed).")
]
Platform = Annotated[
    str | None,
    typer.Option(
        "--platform",
        help="OS/ARCH or OS/ARCH/VARIANT to pick from a multi-platform image (e.g. linux/arm64/v8).",
    ),
]
Insecure = Annotated[bool, typer.Option("--insecure", help="Allow plain-HTTP registries and unverified TLS.")]
Username = Annotated[
    str | None, typer.Option("--username", envvar="BASTION_REGISTRY_USERNAME", help="Registry user.")
]
Password = Annotated[
    str | None,
    typer.Option("--password", envvar="BASTION_REGISTRY_PASSWORD", help="Registry password or token."),
]
CacheDir = Annotated[
    Path | None,
    typer.Option("--cache-dir", envvar="BASTION_CACHE_DIR", help="Cache directory (image blobs, database)."),
]
Timeout = Annotated[float, typer.Option("--timeout", help="Network timeout in seconds.")]


def split_csv(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also accept comma-separated lists: ``-x a,b -x c`` → ``("a", "b", "c")``."""
    out: list[str] = []
    for v in values or ():
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


def target_options(
    *,
    skip_dirs: list[str] | None = None,
    skip_files: list[str] | None = None,
    platform: str | None = None,
    insecure: bool = False,
    username: str | None = None,
    password: str | None = None,
    cache_dir: Path | None = None,
    timeout: float = 300.0,
    history: bool = False,
    extra_skip_dirs: tuple[str, ...] = (),
    extra_skip_files: tuple[str, ...] = (),
    limits: Limits = DEFAULT_LIMITS,
) -> TargetOptions:
    return TargetOptions(
        skip_dirs=split_csv(skip_dirs) + extra_skip_dirs,
        skip_files=split_csv(skip_files) + extra_skip_files,
        platform=platform,
        insecure=insecure,
        username=username,
        password=password,
        cache_dir=cache_dir,
        timeout=timeout,
        history=history,
        limits=limits,
    )


def with_progress(options: TargetOptions, sink: ProgressSink) -> TargetOptions:
    return dataclasses.replace(options, progress=sink)
