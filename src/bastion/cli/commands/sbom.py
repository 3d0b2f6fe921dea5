"""``bastion sbom [KIND] TARGET --format F [--output FILE]`` — write the target's inventory as an SBOM.

KIND is ``image``, ``fs``, ``repo`` or ``sbom`` as in ``bastion scan``; without it the target decides:
``oci:``/``docker-archive:`` references and anything that is not a local path are images, directories are
``fs``, a CycloneDX (JSON, XML) or SPDX JSON file is ``sbom`` (a format conversion), any other file is ``fs``.
The command builds the inventory only (``scanners=()``) and hands it to an encoder; no findings.
"""

from __future__ import annotations

import contextlib
import dataclasses
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bastion.cli.progress import make_progress
from bastion.errors import SbomFormatError, UsageError
from bastion.model import ScanResult
from bastion.progress import NULL_PROGRESS
from bastion.sbom.base import FORMAT_IDS, Sbom, subject_of
from bastion.scan import ScanOptions, detect_inventory, scan
from bastion.targets.factory import TargetOptions, open_target

KINDS = ("image", "fs", "repo", "sbom")
_HEAD = 64 * 1024


def _split(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out.extend(p.strip() for p in v.split(",") if p.strip())
    return tuple(out)


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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress bars or notices on stderr.")
    ] = False,
    skip_dirs: Annotated[
        list[str] | None,
        typer.Option("--skip-dirs", help="Glob of directories to skip (repeatable, ** allowed)."),
    ] = None,
    skip_files: Annotated[
        list[str] | None, typer.Option("--skip-files", help="Glob of files to skip (repeatable, ** allowed).")
    ] = None,
    platform: Annotated[
        str | None,
        typer.Option(
            "--platform", help="Platform to pick from a multi-platform image: os/arch or os/arch/variant."
        ),
    ] = None,
    insecure: Annotated[
        bool, typer.Option("--insecure", help="Allow plain-HTTP registries and unverified TLS.")
    ] = False,
    username: Annotated[
        str | None, typer.Option("--username", envvar="BASTION_REGISTRY_USERNAME", help="Registry user.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option("--password", envvar="BASTION_REGISTRY_PASSWORD", help="Registry password or token."),
    ] = None,
    cache_dir: Annotated[
        Path | None,
        typer.Option("--cache-dir", envvar="BASTION_CACHE_DIR", help="Cache directory (image blobs)."),
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Network timeout in seconds.")] = 300.0,
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

    options = TargetOptions(
        skip_dirs=_split(skip_dirs),
        skip_files=_split(skip_files),
        platform=platform,
        insecure=insecure,
        username=username,
        password=password,
        cache_dir=cache_dir,
        timeout=timeout,
    )
    scan_options = ScanOptions(scanners=(), inventory=True, limits=options.limits)
    progress = make_progress(err, quiet)
    with progress if progress is not None else contextlib.nullcontext():  # type: ignore[union-attr]
        sink = progress or NULL_PROGRESS
        tgt = open_target(kind, ref, TargetOptions(**{**options.__dict__, "progress": sink}))
        if isinstance(tgt, SbomTarget):
            result: ScanResult = detect_inventory(tgt.describe(), tgt.inventory(), scan_options)
        else:
            result = scan(tgt, scan_options, progress=sink)

    sbom = Sbom.from_result(result)
    if isinstance(tgt, SbomTarget):
        # A conversion describes what the original document described, and credits its tools too.
        original = tgt.sbom()
        sbom = dataclasses.replace(sbom, target=subject_of(result.target), tools=sbom.tools + original.tools)
    if output is None:
        encoder.encode(sbom, sys.stdout)
        sys.stdout.flush()
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(output.name + ".tmp")
        try:
            with tmp.open("w", encoding="utf-8", newline="\n") as fh:
                encoder.encode(sbom, fh)
            tmp.replace(output)
        finally:
            tmp.unlink(missing_ok=True)
    if not quiet:
        where = f" to {output}" if output else ""
        err.print(
            f"{len(result.packages)} package(s) written as {format}{escape(where)}"
            + (f"; {len(result.errors)} file(s) could not be fully read" if result.errors else ""),
            soft_wrap=True,
        )
    return 0


__all__ = ["guess_kind", "sbom_command"]
