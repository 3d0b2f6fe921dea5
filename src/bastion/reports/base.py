"""The reporter interface: render a finished ScanResult. Reporters never filter or gate.

A reporter gets the whole result, suppressed findings included, and the verdict inside it
(``result.verdict``, None when no policy was applied). Options that only change presentation
(``--list-packages``, ``--template``) come as :class:`ReportOptions` through ``configure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol, TextIO, runtime_checkable

from bastion.errors import UsageError
from bastion.model import ScanResult


class ReportError(UsageError):
    """A report cannot be produced as asked (a missing or broken template, an unusable option)."""


@dataclass(frozen=True)
class ReportOptions:
    list_packages: bool = False
    template: Path | None = None


@runtime_checkable
class Reporter(Protocol):
    name: ClassVar[str]
    media_type: ClassVar[str]

    def render(self, result: ScanResult, out: TextIO) -> None: ...


@runtime_checkable
class ConfigurableReporter(Protocol):
    """A reporter that takes presentation options."""

    def configure(self, options: ReportOptions) -> None: ...
