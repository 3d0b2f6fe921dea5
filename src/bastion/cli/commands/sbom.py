"""``bastion sbom [KIND] TARGET --format F [--output FILE]`` — write the target's inventory as an SBOM.

KIND is ``image``, ``fs``, ``repo`` or ``sbom`` as in ``bastion scan``; without it the target decides:
``oci:``/``docker-archive:`` references and anything that is not a local path are images, directories are
``fs``, a CycloneDX (JSON, XML) or SPDX JSON file is ``sbom`` (a format conversion), any other file is ``fs``.
The command builds the inventory only (``scanners=()``) and hands it to an encoder; no findings.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bastion.cli import options as opt
from bastion.cli.output import write_atomic
from bastion.cli.progress import progress_sink
from bastion.errors import SbomFormatError, UsageError
from bastion.model import ScanResult
from bastion.sbom.base import FORMAT_IDS, Sbom, subject_of
from bastion.scan import ScanOptions, scan
from bastion.targets.factory import open_target

KINDS = ("image", "fs", "repo", "sbom")
_HEAD = 64 * 1024


def guess_kind(target: str) -> str:
    """The target kind for a TARGET given without KIND."""
    if target.startswith(("oci:", "docker-archive:")):
        return "image"
    path = Path(target)
    if path.is_dir():
        return "fs"
    if path.is_file():
        try:
            with path.open("rb") as fh:
                head = fh.read(_HEAD)
        except OSError:
            return "fs"
        from bastion.sbom import registry as sbom_registry

        try:
            sbom_registry.detect(head, target)
        except SbomFormatError:
            return "fs"
        return "sbom"
    return "image"


def sbom_command(
    kind_or_target: Annotated[
        str,
        typer.Argument(
            metavar="[KIND]",
            help="image, fs, repo or sbom; optional: without it TARGET decides (oci:/docker-archive: or a "
            "registry reference → image, a directory → fs, a CycloneDX/SPDX file → sbom).",
            show_default=False,
        ),
    ],
    target: Annotated[
        str | None,
        typer.Argument(
            metavar="TARGET", help="Image reference, directory or file, or SBOM file.", show_default=False
        ),
    ] = None,
    format: Annotated[
        str,
        typer.Option("--format", "-f", help=f"SBOM format: {', '.join(FORMAT_IDS)}."),
    ] = "cyclonedx-json",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to FILE instead of stdout.")
    ] = None,
    quiet: opt.Quiet = False,
    skip_dirs: opt.SkipDirs = None,
    skip_files: opt.SkipFiles = None,
    platform: opt.Platform = None,
    insecure: opt.Insecure = False,
    username: opt.Username = None,
    password: opt.Password = None,
    cache_dir: opt.CacheDir = None,
    timeout: opt.Timeout = 300.0,
) -> int:
    """Write TARGET's packages as CycloneDX 1.6 or SPDX 2.3 (no vulnerability scanning)."""
    from bastion.sbom import registry as sbom_registry
    from bastion.targets.sbom_file import SbomTarget

    err = Console(stderr=True, highlight=False)
    encoder = sbom_registry.encoder(format)  # unknown formats fail before any work
    if target is None:
        ref = kind_or_target
        kind = guess_kind(ref)
    else:
        kind, ref = kind_or_target, target
        if kind not in KINDS:
            raise UsageError(f"unknown target kind {kind!r}", hint=f"use one of: {', '.join(KINDS)}")

    target_opts = opt.target_options(
        skip_dirs=skip_dirs,
        skip_files=skip_files,
        platform=platform,
        insecure=insecure,
        username=username,
        password=password,
        cache_dir=cache_dir,
        timeout=timeout,
    )
    scan_options = ScanOptions(scanners=(), inventory=True, limits=target_opts.limits)
    with progress_sink(err, quiet) as sink:
        tgt = open_target(kind, ref, opt.with_progress(target_opts, sink))
        result: ScanResult = scan(tgt, scan_options, progress=sink)

    sbom = Sbom.from_result(result)
    if isinstance(tgt, SbomTarget):
        # A conversion describes what the original document described, and credits its tools too.
        original = tgt.sbom()
        sbom = dataclasses.replace(sbom, target=subject_of(result.target), tools=sbom.tools + original.tools)
    if output is None:
        encoder.encode(sbom, sys.stdout)
        sys.stdout.flush()
    else:
        write_atomic(output, lambda fh: encoder.encode(sbom, fh))
    if not quiet:
        where = f" to {output}" if output else ""
        err.print(
            f"{len(result.packages)} package(s) written as {format}{escape(where)}"
            + (f"; {len(result.errors)} file(s) could not be fully read" if result.errors else ""),
            soft_wrap=True,
        )
    return 0


__all__ = ["guess_kind", "sbom_command"]
