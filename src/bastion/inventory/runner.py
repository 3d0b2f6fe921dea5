"""Walk a tree once and run every extractor on the files it wants."""

from __future__ import annotations

import dataclasses
import logging
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from bastion.errors import BastionError, ExtractError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.inventory.base import ExtractContext, Extractor
from bastion.model import FileRef, Inventory, OsInfo, Package, PluginState, PluginStatus, Unknown, package_id
from bastion.targets.base import FileTree, WantFn

log = logging.getLogger(__name__)


class _Dispatch:
    """Index extractors by base name and suffix so most files cost one or two dict lookups.

    Suffixes are indexed by their last extension (``.deps.json`` under ``.json``), so a file is compared
    only with the suffixes that can match it; suffixes without a dot are checked for every file.
    """

    def __init__(self, extractors: Sequence[Extractor]) -> None:
        self.by_name: dict[str, list[Extractor]] = defaultdict(list)
        self.by_ext: dict[str, list[tuple[str, Extractor]]] = defaultdict(list)
        self.undotted: list[tuple[str, Extractor]] = []
        self.always: list[Extractor] = []
        for ex in extractors:
            names: frozenset[str] = getattr(ex, "file_names", frozenset())
            suffixes = getattr(ex, "file_suffixes", ())
            for n in names:
                self.by_name[n].append(ex)
            for s in suffixes:
                dot = s.rfind(".")
                if dot >= 0:
                    self.by_ext[s[dot:]].append((s, ex))
                else:
                    self.undotted.append((s, ex))
            if not names and not suffixes:
                self.always.append(ex)

    def candidates(self, entry: FileRef) -> list[Extractor]:
        name = entry.name
        found = list(self.by_name.get(name, ()))
        dot = name.rfind(".")
        for suffixes in (self.by_ext.get(name[dot:], ()) if dot >= 0 else (), self.undotted):
            for suffix, ex in suffixes:
                if name.endswith(suffix) and ex not in found:
                    found.append(ex)
        found.extend(ex for ex in self.always if ex not in found)
        return [ex for ex in found if ex.wants(entry)]


def want_fn(extractors: Sequence[Extractor]) -> WantFn:
    """The files whose content these extractors may need (for targets that must materialise files).

    Besides the files they extract, extractors may name sibling files they read through
    ``ctx.tree`` (``companion_names``: ``package.json`` beside ``yarn.lock``, ``pyproject.toml`` beside
    ``poetry.lock``); those are materialised too, so image scans see them.
    """
    dispatch = _Dispatch(extractors)
    companions = frozenset(name for ex in extractors for name in getattr(ex, "companion_names", ()))
    return lambda entry: entry.is_file and (entry.name in companions or bool(dispatch.candidates(entry)))


@dataclass(frozen=True)
class InventoryRun:
    inventory: Inventory
    statuses: tuple[PluginStatus, ...]


def run_extractors(
    tree: FileTree,
    extractors: Sequence[Extractor],
    *,
    os_info: OsInfo | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> InventoryRun:
    dispatch = _Dispatch(extractors)
    ctx = ExtractContext(tree=tree, os=os_info, limits=limits)
    packages: list[Package] = []
    unknowns: list[Unknown] = []
    files: dict[str, int] = defaultdict(int)
    items: dict[str, int] = defaultdict(int)
    failed: dict[str, int] = defaultdict(int)

    for entry in tree.walk() if extractors else ():
        if not entry.is_file:
            continue
        wanting = dispatch.candidates(entry)
        if not wanting:
            continue
        for ex in wanting:
            name = ex.plugin.name
            files[name] += 1
            if entry.size > limits.max_file_size:
                unknowns.append(
                    Unknown(
                        entry.path,
                        f"{entry.size} bytes, over the {limits.max_file_size}-byte read limit",
                        name,
                        entry.layer_digest,
                    )
                )
                failed[name] += 1
                continue
            ctx.warnings.clear()
            try:
                with tree.open(entry) as stream:
                    found = list(ex.extract(entry, stream, ctx))
            except ExtractError as exc:
                unknowns.append(
                    Unknown(entry.path, _strip_path(exc.message, entry.path), name, entry.layer_digest)
                )
                failed[name] += 1
                continue
            except BastionError as exc:
                unknowns.append(Unknown(entry.path, exc.message, name, entry.layer_digest))
                failed[name] += 1
                continue
            except Exception as exc:  # a plugin bug on one file must not end the scan
                # A plugin bug on hostile input must not end the scan; it is reported, not hidden.
                log.debug("extractor %s crashed on %s", name, entry.path, exc_info=True)
                unknowns.append(
                    Unknown(entry.path, f"unexpected {type(exc).__name__}: {exc}", name, entry.layer_digest)
                )
                failed[name] += 1
                continue
            for path, reason in ctx.warnings:
                unknowns.append(Unknown(path, reason, name, entry.layer_digest))
            items[name] += len(found)
            packages.extend(found)

    statuses = []
    for ex in extractors:
        name = ex.plugin.name
        if not files.get(name):
            state = PluginState.SKIPPED
        elif failed.get(name):
            state = PluginState.PARTIAL if failed[name] < files[name] else PluginState.FAILED
        else:
            state = PluginState.SUCCEEDED
        statuses.append(
            PluginStatus(
                name=name,
                version=ex.plugin.version,
                kind="extractor",
                state=state,
                files=files.get(name, 0),
                items=items.get(name, 0),
            )
        )
    scopes: dict[str, ScopeFn] = {}
    for ex in extractors:
        scope_fn = getattr(ex, "dependency_scope", None)
        if callable(scope_fn):
            scopes[ex.plugin.name] = scope_fn
    return InventoryRun(
        Inventory(packages=finalize(packages, scopes), unknowns=tuple(unknowns)), tuple(statuses)
    )


def _strip_path(message: str, path: str) -> str:
    """Unknown has its own path field; avoid "a/b: a/b: reason"."""
    for prefix in (f"{path}: ", f"/{path}: "):
        if message.startswith(prefix):
            return message[len(prefix) :]
    return message


#: ``dependency_scope(path) -> (home, lookup)``: for installed-package layouts, where a package found at
#: ``path`` lives (``home``) and, in order, where its dependencies are looked for (``lookup``).
ScopeFn = Callable[[str], tuple[str, tuple[str, ...]]]


def _norm(ecosystem: str, name: str) -> str:
    """Names as the ecosystem compares them: PEP 503 for PyPI, exact elsewhere."""
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name


_PEP503 = re.compile(r"[-_.]+")


def finalize(packages: Iterable[Package], scopes: Mapping[str, ScopeFn] | None = None) -> tuple[Package, ...]:
    """Assign stable ids, merge exact duplicates, and resolve dependency references into ids.

    Two packages merge when ecosystem, name, version, first location and purl are equal. Dependency
    references (``name`` or ``name@version``) resolve against packages found in the same file first;
    for installed layouts (site-packages, node_modules, conda-meta) whose extractor declares a
    ``dependency_scope``, against the packages installed in the lookup scopes it names, nearest first.
    """
    scopes = scopes or {}
    merged: dict[str, Package] = {}
    order: list[str] = []
    for pkg in packages:
        pid = package_id(pkg.ecosystem.value, pkg.name, pkg.version, pkg.path)
        prev = merged.get(pid)
        if prev is not None and prev.purl != pkg.purl:
            # Not a duplicate: multilib/multi-arch twins (glibc.i686 and glibc.x86_64 of one version in
            # one rpm database, libc6:i386 beside libc6:amd64) differ only in their purl's arch.
            pid = package_id(pkg.ecosystem.value, pkg.name, pkg.version, f"{pkg.path or ''}\x00{pkg.purl}")
            prev = merged.get(pid)
        if prev is None:
            merged[pid] = dataclasses.replace(pkg, id=pid)
            order.append(pid)
            continue
        merged[pid] = dataclasses.replace(
            prev,
            direct=_any_true(prev.direct, pkg.direct),
            dev=_all_true(prev.dev, pkg.dev),
            dependencies=tuple(dict.fromkeys(prev.dependencies + pkg.dependencies)),
            licenses=tuple(dict.fromkeys(prev.licenses + pkg.licenses)),
            locations=tuple(dict.fromkeys(prev.locations + pkg.locations)),
        )

    # Reference tables: one per (file, ecosystem), and one per installed "home" (a site-packages or
    # node_modules directory) for extractors that declare scopes.
    by_file: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    by_home: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    lookups: dict[str, tuple[str, ...]] = {}
    for pid in order:
        pkg = merged[pid]
        eco = pkg.ecosystem.value
        tables = [by_file[(pkg.path, eco)]]
        scope_fn = scopes.get(pkg.found_by)
        if scope_fn is not None and pkg.path:
            home, lookup = scope_fn(pkg.path)
            tables.append(by_home[(home, eco)])
            lookups[pid] = lookup
        name = _norm(eco, pkg.name)
        for refs in tables:
            refs.setdefault(name, pid)
            refs[f"{name}@{pkg.version}"] = pid
    out = []
    for pid in order:
        pkg = merged[pid]
        if pkg.dependencies:
            eco = pkg.ecosystem.value
            tables = [by_file[(pkg.path, eco)]]
            tables.extend(by_home[(home, eco)] for home in lookups.get(pid, ()) if (home, eco) in by_home)
            resolved = []
            for ref in pkg.dependencies:
                target = _resolve(tables, eco, ref)
                if target is not None and target != pid:
                    resolved.append(target)
            pkg = dataclasses.replace(pkg, dependencies=tuple(dict.fromkeys(resolved)))
        out.append(pkg)
    out.sort(key=lambda p: (p.ecosystem.value, p.name.lower(), p.version, p.path or ""))
    return tuple(out)


def _resolve(tables: Sequence[Mapping[str, str]], ecosystem: str, ref: str) -> str | None:
    at = ref.rfind("@")
    name, version = (ref[:at], ref[at + 1 :]) if at > 0 else (ref, None)
    name = _norm(ecosystem, name)
    for refs in tables:
        if version is not None:
            target = refs.get(f"{name}@{version}")
            if target is not None:
                return target
        target = refs.get(name)
        if target is not None:
            return target
    return None


def _any_true(a: bool | None, b: bool | None) -> bool | None:
    if a is None and b is None:
        return None
    return bool(a) or bool(b)


def _all_true(a: bool | None, b: bool | None) -> bool | None:
    if a is None or b is None:
        return a if b is None else b
    return a and b
