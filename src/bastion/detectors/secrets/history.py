"""Git history: every added line of every commit, streamed from ``git log -p --all``.

The git CLI's patch output is read line by line (never held whole). For each (commit, file) the added
lines become one buffer with a map back to the file's line numbers, which the secret scanner scans
like any file. Bounded by commits, bytes and wall-clock time; when a bound is hit the scan stops and
says so (an ``errors`` entry), it does not fail.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["AddedBlock", "iter_added_blocks"]

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_FORMAT = "--format=%x00%H%x00%an <%ae>%x00%aI"
#: Added text kept per (commit, file); larger additions are cut (and reported).
MAX_BLOCK_BYTES = 32 << 20


@dataclass
class AddedBlock:
    commit: str
    author: str
    date: str
    path: str
    lines: list[bytes] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    size: int = 0
    truncated: bool = False

    @property
    def text(self) -> bytes:
        return b"\n".join(self.lines)

    def file_line(self, block_line: int) -> int:
        """The file line number of a 1-based line of :attr:`text`."""
        if 1 <= block_line <= len(self.numbers):
            return self.numbers[block_line - 1]
        return self.numbers[-1] if self.numbers else block_line


def _unquote(path: bytes) -> str:
    """git's quoted path (``"b/a\\tb"``) to text."""
    if path.startswith(b'"') and path.endswith(b'"'):
        raw = path[1:-1]
        try:
            path = raw.decode("unicode_escape").encode("latin-1")
        except (UnicodeDecodeError, UnicodeEncodeError):
            path = raw
    return path.decode("utf-8", "replace")


def iter_added_blocks(
    root: Path,
    *,
    max_commits: int = 100_000,
    max_bytes: int = 2 << 30,
    timeout: float = 900.0,
    on_error: Callable[[str, str], None] = lambda _p, _m: None,
) -> Iterator[AddedBlock]:
    """Yield the added lines of each file of each commit reachable from any ref."""
    exe = shutil.which("git")
    if exe is None:
        on_error(".", "git history: the git executable was not found; history not scanned")
        return
    cmd = [
        exe,
        "-C",
        str(root),
        "-c",
        "safe.directory=*",
        "-c",
        "core.quotePath=false",
        "log",
        "-p",
        "--all",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "-U0",
        _FORMAT,
    ]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        on_error(".", f"git history: cannot run git: {exc}")
        return
    assert proc.stdout is not None
    timed_out = threading.Event()

    def _kill() -> None:
        timed_out.set()
        proc.kill()

    timer = threading.Timer(timeout, _kill)
    timer.daemon = True
    timer.start()
    commits = 0
    read = 0
    stopped = ""
    commit = author = date = ""
    block: AddedBlock | None = None
    next_line = 0
    in_hunk = False
    try:
        for raw in proc.stdout:
            read += len(raw)
            if read > max_bytes:
                stopped = f"history larger than {max_bytes} bytes of patches"
                break
            line = raw.rstrip(b"\n")
            if line.startswith(b"\x00"):
                if block is not None and block.lines:
                    yield block
                block = None
                commits += 1
                if commits > max_commits:
                    stopped = f"more than {max_commits} commits"
                    break
                parts = line.split(b"\x00")
                commit = parts[1].decode("ascii", "replace") if len(parts) > 1 else ""
                author = parts[2].decode("utf-8", "replace") if len(parts) > 2 else ""
                date = parts[3].decode("ascii", "replace") if len(parts) > 3 else ""
                in_hunk = False
                continue
            if line.startswith(b"diff --git "):
                if block is not None and block.lines:
                    yield block
                block = None
                in_hunk = False
                continue
            if not in_hunk and line.startswith(b"+++ "):
                target = line[4:]
                if target == b"/dev/null":
                    block = None
                else:
                    name = _unquote(target)
                    block = AddedBlock(commit, author, date, name[2:] if name.startswith("b/") else name)
                continue
            if line.startswith(b"@@"):
                m = _HUNK.match(line)
                if m is None:
                    in_hunk = False
                    continue
                in_hunk = True
                next_line = int(m.group(1))
                if block is not None and block.lines:
                    block.lines.append(b"")  # keep hunks apart: no match spans two hunks
                    block.numbers.append(next_line)
                continue
            if not in_hunk or block is None:
                continue
            if line.startswith(b"+"):
                if block.size + len(line) > MAX_BLOCK_BYTES:
                    if not block.truncated:
                        block.truncated = True
                        on_error(
                            block.path,
                            f"git history: commit {commit[:12]} adds more than {MAX_BLOCK_BYTES} bytes "
                            "to this file; the rest was not scanned",
                        )
                    next_line += 1
                    continue
                block.lines.append(line[1:])
                block.numbers.append(next_line)
                block.size += len(line)
                next_line += 1
            elif line.startswith(b" "):
                next_line += 1
        else:
            if block is not None and block.lines:
                yield block
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
        proc.stdout.close()
        if proc.stderr:
            proc.stderr.close()
    if timed_out.is_set():
        stopped = f"took longer than {timeout:.0f} s"
    if stopped:
        on_error(".", f"git history: scan stopped after {commits} commits: {stopped}")
    elif proc.returncode not in (0, None, -9) and not timed_out.is_set():
        msg = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
        if "does not have any commits" not in msg:
            on_error(".", f"git history: git log failed: {msg}")
