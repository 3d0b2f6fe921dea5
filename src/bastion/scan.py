"""The scanner: Target → FileTree → Inventory → Detectors → ScanResult → policy verdict.

This is the library entry point the CLI and (later) the server call. It owns the single pass over
file contents shared by all content detectors, the requirement checks, and provenance.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bastion import __version__
from bastion.detectors import registry as detector_registry
from bastion.detectors.base import Capability, ContentDetector, DetectContext, Detector, FileContent
from bastion.errors import BastionError, ConfigError
from bastion.fs.archives import archive_kind, iter_members
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.inventory import registry as extractor_registry
from bastion.inventory.base import Extractor
from bastion.inventory.ospkg.distro import detect_os, wants_release_file
from bastion.inventory.runner import run_extractors, want_fn
from bastion.model import (
    ArtifactRef,
    DbInfo,
    FileRef,
    Finding,
    Inventory,
    PluginState,
    PluginStatus,
    Provenance,
    ScanError,
    ScanResult,
)
from bastion.policy.gate import apply_policy
from bastion.policy.model import Policy
from bastion.progress import NULL_PROGRESS, ProgressSink
from bastion.redact import scrub
from bastion.targets.base import FileNotInTreeError, FileTree, InventoryTarget, Target

log = logging.getLogger(__name__)

INVENTORY_SCANNERS = frozenset({"vuln", "license"})


@dataclass(frozen=True)
class ScanOptions:
    """Everything that shapes a scan. The CLI and the server build one of these; nothing is global."""

    scanners: tuple[str, ...] = detector_registry.DEFAULT_SCANNERS
    extractors: tuple[str, ...] = ("all",)
    #: Build the inventory even when no selected scanner needs it (``--list-packages``, ``bastion sbom``).
    #: The vulnerability and license scanners build it anyway; a pure secret or misconfig scan does not.
    inventory: bool = True
    limits: Limits = DEFAULT_LIMITS
    #: Per-detector settings (bastion.yaml ``secret:``, ``misconfig:``, ``malware:`` sections …).
    settings: Mapping[str, Any] = field(default_factory=dict)
    #: An opened advisory store (bastion.vulndb), or None when vulnerability data is unavailable.
    advisories: Any | None = None
    policy: Policy | None = None
    now: datetime | None = None
    #: Where detectors keep caches (compiled rule databases); None: BASTION_CACHE_DIR or the user cache.
    cache_dir: Path | None = None


def scan(
    target: Target | InventoryTarget,
    options: ScanOptions | None = None,
    *,
    progress: ProgressSink = NULL_PROGRESS,
) -> ScanResult:
    """Scan one target and return its complete, lossless result (with the verdict when a policy is given).

    Targets that are inventories already (SBOM files) go straight to the inventory detectors.
    """
    options = options or ScanOptions()
    if isinstance(target, InventoryTarget):
        return detect_inventory(target.describe(), target.inventory(), options)
    started = datetime.now(UTC)
    now = options.now or started
    ref = target.describe()
    detectors = detector_registry.build(options.scanners)
    content_detectors: list[Any] = [d for d in detectors if _is_content(d)]
    inventory_detectors = [d for d in detectors if not _is_content(d)]
    need_inventory = options.inventory or bool(INVENTORY_SCANNERS.intersection(options.scanners))
    extractors: tuple[Extractor, ...] = extractor_registry.build(options.extractors) if need_inventory else ()

    wants_extract = want_fn(extractors)

    def wanted(entry: FileRef) -> bool:
        # Release files too: detect_os reads them from the tree (images materialise only wanted files).
        return (
            wants_extract(entry)
            or wants_release_file(entry)
            or any(d.wants(entry) for d in content_detectors)
        )

    errors: list[ScanError] = []
    statuses: list[PluginStatus] = []
    findings: list[Finding] = []
    stats: dict[str, int] = {}

    with target.open(wanted) as tree:
        ref = _refresh_ref(ref, tree)
        os_info = detect_os(tree)
        if os_info is not None:
            ref = dataclasses.replace(ref, os=os_info)
        progress.start("inventory", "inventory", None)
        run = run_extractors(tree, extractors, os_info=os_info, limits=options.limits)
        progress.finish("inventory")
        statuses.extend(run.statuses)
        inventory = run.inventory
        ctx = DetectContext(
            target=ref,
            inventory=inventory,
            tree=tree,
            advisories=options.advisories,
            limits=options.limits,
            settings=options.settings,
            now=now,
            cache_dir=options.cache_dir,
        )
        if content_detectors:
            progress.start("content", "scanning file contents", None)
            findings.extend(_content_pass(tree, content_detectors, ctx, statuses, stats, progress))
            progress.finish("content")
        findings.extend(_inventory_pass(inventory_detectors, ctx, statuses))
        stats.update(_tree_stats(tree))
        errors.extend(tree.errors)
        errors.extend(ctx.errors)

    errors.extend(_unknown_errors(inventory))
    result = _result(ref, inventory, findings, errors, statuses, options, started, stats)
    # Secrets found anywhere (an ENV value, a build argument) must not reappear verbatim elsewhere in the
    # result: the image config, layer history, descriptions, misconfiguration evidence.
    # Packages are left out: names, versions and paths of packages do not carry copied values.
    if ctx.redactions:
        result = dataclasses.replace(
            result,
            target=scrub(result.target, ctx.redactions),
            findings=scrub(result.findings, ctx.redactions),
            errors=scrub(result.errors, ctx.redactions),
        )
    if options.policy is not None:
        result = apply_policy(result, options.policy, now=now)
    return result


def detect_inventory(
    ref: ArtifactRef, inventory: Inventory, options: ScanOptions | None = None
) -> ScanResult:
    """Run the inventory detectors (vulnerabilities, licenses) on an inventory without its artifact.

    This is how SBOM targets are scanned, and how the server re-evaluates stored inventories when the
    advisory data changes.
    """
    options = options or ScanOptions()
    started = datetime.now(UTC)
    detectors = [d for d in detector_registry.build(options.scanners) if not _is_content(d)]
    ctx = DetectContext(
        target=ref,
        inventory=inventory,
        advisories=options.advisories,
        limits=options.limits,
        settings=options.settings,
        now=options.now or started,
        cache_dir=options.cache_dir,
    )
    statuses: list[PluginStatus] = []
    findings = _inventory_pass(detectors, ctx, statuses)
    errors = [*ctx.errors, *_unknown_errors(inventory)]
    result = _result(ref, inventory, findings, errors, statuses, options, started, {})
    if options.policy is not None:
        result = apply_policy(result, options.policy, now=options.now or started)
    return result


# -- internals ------------------------------------------------------------------------------------


def _result(
    ref: ArtifactRef,
    inventory: Inventory,
    findings: list[Finding],
    errors: Sequence[ScanError],
    statuses: list[PluginStatus],
    options: ScanOptions,
    started: datetime,
    stats: dict[str, int],
) -> ScanResult:
    return ScanResult(
        target=ref,
        bastion_version=__version__,
        packages=inventory.packages,
        findings=tuple(sorted(findings, key=_finding_order)),
        errors=tuple(errors),
        db=_db_info(options.advisories),
        plugins=tuple(statuses),
        provenance=Provenance(
            started=started,
            finished=datetime.now(UTC),
            scanners=tuple(options.scanners),
            config_digest=_config_digest(options),
            host=socket.gethostname(),
        ),
        stats=stats,
    )


def _unknown_errors(inventory: Inventory) -> list[ScanError]:
    """Files an extractor could not read are part of the result's errors."""
    return [
        ScanError(path=u.path, message=u.reason, plugin=u.plugin, layer=u.layer) for u in inventory.unknowns
    ]


def _is_content(d: object) -> bool:
    return hasattr(d, "scan_file")


def _refresh_ref(ref: ArtifactRef, tree: FileTree) -> ArtifactRef:
    """Opening can learn more than describing did (an image's layers once the manifest is resolved)."""
    describe = getattr(tree, "describe", None)
    if callable(describe):
        fresh = describe()
        if isinstance(fresh, ArtifactRef):
            return fresh
    return ref


def _missing(requires: frozenset[Capability], ctx: DetectContext) -> list[str]:
    missing = []
    if Capability.FILES in requires and ctx.tree is None:
        missing.append("file contents (not available for this target)")
    if Capability.ADVISORIES in requires and ctx.advisories is None:
        missing.append("vulnerability database (run `bastion db update`)")
    if Capability.NETWORK in requires and not ctx.settings.get("network", False):
        missing.append("network access (opt-in)")
    return missing


def _skipped(det: Any, missing: list[str]) -> PluginStatus:
    return PluginStatus(
        det.plugin.name, det.plugin.version, "detector", PluginState.SKIPPED, "needs " + ", ".join(missing)
    )


def _failure(exc: Exception) -> str:
    """How a plugin failure reads in ``errors``: our own message, or the unexpected exception's type."""
    return exc.message if isinstance(exc, BastionError) else f"unexpected {type(exc).__name__}: {exc}"


def _inventory_pass(
    detectors: Sequence[Detector | ContentDetector], ctx: DetectContext, statuses: list[PluginStatus]
) -> list[Finding]:
    out: list[Finding] = []
    for det in detectors:
        assert not _is_content(det)
        missing = _missing(det.requires, ctx)
        if missing:
            statuses.append(_skipped(det, missing))
            ctx.error(".", f"{det.plugin.name} skipped: needs {', '.join(missing)}", plugin=det.plugin.name)
            continue
        try:
            found = list(det.detect(ctx))  # type: ignore[union-attr]
        except ConfigError:
            raise  # a broken configuration aborts the scan (exit 2), it is not a finding gap
        except Exception as exc:  # anything else: this detector failed, the scan goes on and says so
            message = _failure(exc)
            log.debug("detector %s failed", det.plugin.name, exc_info=True)
            statuses.append(
                PluginStatus(det.plugin.name, det.plugin.version, "detector", PluginState.FAILED, message)
            )
            ctx.error(".", message, plugin=det.plugin.name)
            continue
        statuses.append(PluginStatus(det.plugin.name, det.plugin.version, "detector", items=len(found)))
        out.extend(found)
    return out


def _content_pass(
    tree: FileTree,
    detectors: Sequence[Any],
    ctx: DetectContext,
    statuses: list[PluginStatus],
    stats: dict[str, int],
    progress: ProgressSink,
) -> list[Finding]:
    """One walk over every layer; each wanted file is read once and shared by all content detectors."""
    active = []
    for det in detectors:
        missing = _missing(det.requires, ctx)
        if missing:
            statuses.append(_skipped(det, missing))
            continue
        active.append(det)
    limits = ctx.limits
    out: list[Finding] = []
    counts = {det.plugin.name: [0, 0, 0] for det in active}  # files, findings, failures
    archive_scanners = [d for d in active if d.scans_archives]
    scanned = 0
    for entry in tree.walk_all():
        if not entry.is_file:
            continue
        interested = [d for d in active if d.wants(entry)]
        if not interested:
            continue
        hashes = frozenset().union(*(d.hashes for d in interested))
        try:
            content = _read_content(tree, entry, hashes, limits)
        except (FileNotInTreeError, OSError) as exc:
            ctx.error(entry.path, f"cannot read: {exc}", layer=entry.layer_digest)
            continue
        scanned += 1
        progress.advance("content")
        out.extend(_run_on(interested, content, ctx, counts))
        if archive_scanners and content.data is not None and archive_kind(entry.path, content.data[:512]):
            out.extend(_scan_archive(content, archive_scanners, ctx, counts))
    for det in active:
        name = det.plugin.name
        try:
            extra = list(det.finish(ctx))
        except ConfigError:
            raise
        except Exception as exc:
            message = _failure(exc)
            log.debug("detector %s failed in finish()", name, exc_info=True)
            ctx.error(".", message, plugin=name)
            counts[name][2] += 1
            extra = []
        counts[name][1] += len(extra)
        out.extend(extra)
        files, items, failures = counts[name]
        state = PluginState.PARTIAL if failures else PluginState.SUCCEEDED
        statuses.append(PluginStatus(name, det.plugin.version, "detector", state, files=files, items=items))
    stats["files_scanned"] = scanned
    return out


def _run_on(
    detectors: Iterable[Any], content: FileContent, ctx: DetectContext, counts: dict[str, list[int]]
) -> list[Finding]:
    out: list[Finding] = []
    for det in detectors:
        name = det.plugin.name
        counts[name][0] += 1
        try:
            found = list(det.scan_file(content, ctx))
        except ConfigError:
            raise
        except BastionError as exc:
            ctx.error(content.path, exc.message, plugin=name, layer=content.entry.layer_digest)
            counts[name][2] += 1
            continue
        except Exception as exc:  # a plugin failing on one file must not end the scan; it is reported
            log.debug("detector %s crashed on %s", name, content.path, exc_info=True)
            ctx.error(
                content.path,
                _failure(exc),
                plugin=name,
                layer=content.entry.layer_digest,
            )
            counts[name][2] += 1
            continue
        counts[name][1] += len(found)
        out.extend(found)
    return out


def _scan_archive(
    content: FileContent, detectors: Sequence[Any], ctx: DetectContext, counts: dict[str, list[int]]
) -> list[Finding]:
    assert content.data is not None
    out: list[Finding] = []
    entry = content.entry

    def on_error(path: str, message: str) -> None:
        ctx.error(
            f"{entry.path}!{path}" if not path.startswith(entry.path) else path,
            message,
            layer=entry.layer_digest,
        )

    for member, data in iter_members(content.data, entry.path, limits=ctx.limits, on_error=on_error):
        pseudo = dataclasses.replace(entry, path=f"{entry.path}!{member}", size=len(data))
        interested = [d for d in detectors if d.wants(pseudo)]
        if not interested:
            continue
        inner = FileContent(pseudo, data, archive_path=(entry.path, *member.split("!")))
        out.extend(_run_on(interested, inner, ctx, counts))
    return out


def _read_content(tree: FileTree, entry: FileRef, hashes: frozenset[str], limits: Limits) -> FileContent:
    with tree.open(entry) as fh:
        if entry.size <= limits.max_scan_size:
            # read(size + 1), not read(limit + 1): a 32 MiB buffer per small file costs 3x the read
            data = fh.read(entry.size + 1)
            if len(data) > entry.size:  # grew since the walk: the rest, still bounded
                data += fh.read(limits.max_scan_size + 1 - len(data))
            if len(data) <= limits.max_scan_size:
                return FileContent(entry, data)
            fh.seek(0)
        if not hashes:  # too large to read and nobody wants its hashes: do not stream it
            return FileContent(entry, None)
        hashers = {name: hashlib.new(name, usedforsecurity=False) for name in hashes}
        while chunk := fh.read(1 << 20):
            for h in hashers.values():
                h.update(chunk)
    return FileContent(entry, None, hashes={k: h.hexdigest() for k, h in hashers.items()})


def _tree_stats(tree: FileTree) -> dict[str, int]:
    stats = getattr(tree, "stats", None)
    if isinstance(stats, dict):
        return {k: int(v) for k, v in stats.items()}
    return {}


def _finding_order(f: Finding) -> tuple[int, str, str, str]:
    return (-f.severity.rank, f.kind.value, f.id, f.location.path if f.location else "")


def _db_info(store: Any | None) -> DbInfo:
    if store is None:
        return DbInfo()
    info = getattr(store, "info", None)
    if callable(info):
        got = info()
        if isinstance(got, DbInfo):
            return got
    return DbInfo()


def _config_digest(options: ScanOptions) -> str:
    doc = {
        "scanners": list(options.scanners),
        "extractors": list(options.extractors),
        "limits": dataclasses.asdict(options.limits),
        "settings": {k: repr(v) for k, v in sorted(options.settings.items())},
        "policy": repr(options.policy),
    }
    return "sha256:" + hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()
