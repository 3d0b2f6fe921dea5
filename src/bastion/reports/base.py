"""The reporter interface: render a finished ScanResult. Reporters never filter or gate."""

from __future__ import annotations

from typing import ClassVar, Protocol, TextIO, runtime_checkable

from bastion.model import ScanResult


@runtime_checkable
class Reporter(Protocol):
    name: ClassVar[str]
    media_type: ClassVar[str]

    def render(self, result: ScanResult, out: TextIO) -> None: ...
