"""Progress reporting from the library to whoever is watching (the CLI draws Rich bars on stderr).

The library never prints; it calls a :class:`ProgressSink`. The default sink does nothing.
"""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    def start(self, key: str, description: str, total: int | None = None) -> None: ...
    def advance(self, key: str, amount: int = 1) -> None: ...
    def finish(self, key: str) -> None: ...


class NullProgress:
    def start(self, key: str, description: str, total: int | None = None) -> None:
        return None

    def advance(self, key: str, amount: int = 1) -> None:
        return None

    def finish(self, key: str) -> None:
        return None


NULL_PROGRESS: ProgressSink = NullProgress()
