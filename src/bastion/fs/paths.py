"""Path handling for untrusted names: normalisation, confinement to a root, globbing.

Paths inside targets are always relative POSIX strings without a leading slash. Anything that would
leave the root (absolute names, ``..`` components) is refused, and symlinks are resolved the way a
chroot would resolve them: an absolute link target starts again at the root, ``..`` stops at the root.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bastion.errors import UnsafeArchiveError


class UnsafePathError(UnsafeArchiveError):
    """A member name or link target tries to leave the root."""


def normalize_member(name: str) -> str:
    """Normalise an archive member name to a relative POSIX path, refusing escapes.

    ``./usr/bin/x`` → ``usr/bin/x``; ``usr//lib/./x`` → ``usr/lib/x``. Absolute names and any ``..``
    component raise :class:`UnsafePathError`. The root itself (``.``, ``./``) normalises to ``""``.
    """
    if "\x00" in name:
        raise UnsafePathError(f"member name contains a NUL byte: {name!r}")
    if (
        name.startswith("/")
        or (len(name) > 1 and name[1] == ":" and name[0].isalpha())
        or name.startswith("\\")
    ):
        raise UnsafePathError(f"absolute member name {name!r}")
    parts = []
    for part in name.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            raise UnsafePathError(f"member name {name!r} contains '..'")
        parts.append(part)
    return "/".join(parts)


def join_link(parent_dir: str, target: str) -> str:
    """Where a symlink in ``parent_dir`` pointing at ``target`` lands, confined to the root."""
    base = [] if target.startswith("/") else [p for p in parent_dir.split("/") if p]
    for part in target.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if base:
                base.pop()
            continue
        base.append(part)
    return "/".join(base)


def resolve_in_root(path: str, readlink: Callable[[str], str | None], max_hops: int = 40) -> str:
    """Resolve every symlink in ``path`` inside a virtual root.

    ``readlink(p)`` returns the link target when ``p`` (a normalised relative path) is a symlink and
    None otherwise. Returns the resolved path, which contains no symlink components. Raises
    :class:`UnsafePathError` after ``max_hops`` links (a loop).
    """
    pending = [p for p in path.split("/") if p and p != "."]
    pending.reverse()
    done: list[str] = []
    hops = 0
    while pending:
        part = pending.pop()
        if part == "..":
            if done:
                done.pop()
            continue
        candidate = "/".join([*done, part])
        target = readlink(candidate)
        if target is None:
            done.append(part)
            continue
        hops += 1
        if hops > max_hops:
            raise UnsafePathError(f"{path}: more than {max_hops} symlinks (loop?)")
        if target.startswith("/"):
            done = []
        rest = [p for p in target.split("/") if p and p != "."]
        pending.extend(reversed(rest))
    return "/".join(done)


def glob_to_regex(pattern: str) -> str:
    """Translate a glob with ``**`` into a regex over relative POSIX paths.

    ``*`` and ``?`` never cross ``/``; ``**`` matches any number of whole segments; a pattern with no
    ``/`` matches that name in any directory (``*.pyc`` ≡ ``**/*.pyc``). A leading ``./`` or ``/`` anchors
    the pattern at the root.
    """
    anchored = pattern.startswith(("/", "./"))
    pattern = pattern.lstrip("/") if pattern.startswith("/") else pattern.removeprefix("./")
    pattern = pattern.rstrip("/")
    if not anchored and "/" not in pattern:
        pattern = "**/" + pattern
    out = []
    i = 0
    n = len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            if pattern[i : i + 2] == "**":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                    out.append("(?:.*/)?")
                else:
                    out.append(".*")
                continue
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = pattern.find("]", i + 1)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i + 1 : j].replace("\\", "\\\\")
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def compile_globs(patterns: Iterable[str]) -> Callable[[str], bool]:
    """One matcher for several globs; matches a path or any of its parent directories' full path."""
    regexes = [glob_to_regex(p) for p in patterns if p.strip()]
    if not regexes:
        return lambda _path: False
    rx = re.compile("^(?:" + "|".join(regexes) + ")$")
    return lambda path: rx.match(path) is not None
