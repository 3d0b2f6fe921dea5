"""Helpers shared by lockfile extractors: bounded reads, sibling manifests, dependency-graph walks.

Not public API. Every helper is linear in the size of its input; none reads outside ``ctx.tree``.
"""

from __future__ import annotations

import posixpath
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from typing import BinaryIO, TypeVar

from bastion.errors import ExtractError
from bastion.inventory.base import ExtractContext
from bastion.model import FileRef
from bastion.targets.base import FileNotInTreeError, read_bytes

K = TypeVar("K", bound=Hashable)


def vendored(path: str) -> bool:
    """True for a path inside an installed-packages directory (``node_modules``, ``site-packages``,
    ``dist-packages``). A lockfile or requirements file there was shipped *inside* a package and
    describes that package's own development setup, not what is installed; it is not read."""
    return any(
        path.startswith(d) or f"/{d}" in path for d in ("node_modules/", "site-packages/", "dist-packages/")
    )


def read_stream(stream: BinaryIO, entry: FileRef, ctx: ExtractContext) -> bytes:
    """The whole stream, or ExtractError when it exceeds the structured-parse limit."""
    limit = ctx.limits.max_parse_bytes
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise ExtractError(f"{entry.path}: file is over the {limit}-byte parse limit")
    return data


def sibling_path(entry: FileRef, name: str) -> str:
    """The path of ``name`` relative to the directory holding ``entry`` (normalised, POSIX)."""
    parent = posixpath.dirname(entry.path)
    return posixpath.normpath(posixpath.join(parent, name)) if parent else posixpath.normpath(name)


def read_sibling(ctx: ExtractContext, entry: FileRef, name: str) -> tuple[FileRef, bytes] | None:
    """A file next to ``entry`` (``pyproject.toml`` beside ``poetry.lock``), or None when absent.

    A path that leaves the tree, a missing file or one over the parse limit all give None: callers
    treat a missing manifest as "the format does not say", never as an error.
    """
    path = sibling_path(entry, name)
    if path == ".." or path.startswith("../") or path.startswith("/"):
        return None
    try:
        ref = ctx.tree.stat(path)
        if ref is None or not ref.is_file:
            return None
        return ref, read_bytes(ctx.tree, path, ctx.limits.max_parse_bytes)
    except (FileNotInTreeError, OSError):
        return None


def classify_dev(
    edges: Mapping[K, Iterable[K]],
    prod_roots: Iterable[K],
    dev_roots: Iterable[K],
) -> dict[K, bool]:
    """Which nodes are development-only: reachable from ``dev_roots`` but not from ``prod_roots``.

    Returns ``node -> dev`` for every node reachable from some root; nodes reachable from none are
    absent (the caller reports them as unknown). Breadth-first, iterative, cycle-safe, linear.
    """
    prod = _reach(edges, prod_roots)
    dev = _reach(edges, dev_roots)
    out = dict.fromkeys(dev, True)
    out.update(dict.fromkeys(prod, False))
    return out


def _reach(edges: Mapping[K, Iterable[K]], roots: Iterable[K]) -> set[K]:
    seen: set[K] = set()
    queue: deque[K] = deque()
    for root in roots:
        if root not in seen:
            seen.add(root)
            queue.append(root)
    while queue:
        node = queue.popleft()
        for child in edges.get(node, ()):
            if child not in seen:
                seen.add(child)
                queue.append(child)
    return seen
