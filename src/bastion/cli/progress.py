"""Rich progress bars on stderr, silent when stderr is not a terminal or with --quiet."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from bastion.progress import NULL_PROGRESS, ProgressSink


class RichProgress:
    def __init__(self, console: Console) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def start(self, key: str, description: str, total: int | None = None) -> None:
        self._tasks[key] = self._progress.add_task(description, total=total)

    def advance(self, key: str, amount: int = 1) -> None:
        task = self._tasks.get(key)
        if task is not None:
            self._progress.advance(task, amount)

    def finish(self, key: str) -> None:
        task = self._tasks.pop(key, None)
        if task is not None:
            self._progress.remove_task(task)


@contextmanager
def progress_sink(console: Console, quiet: bool) -> Iterator[ProgressSink]:
    """Rich bars while the block runs when ``console`` is interactive and not quiet; else a no-op sink."""
    if quiet or not console.is_terminal:
        yield NULL_PROGRESS
        return
    with RichProgress(console) as bars:
        yield bars


__all__ = ["NULL_PROGRESS", "RichProgress", "progress_sink"]
