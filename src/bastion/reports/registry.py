"""Report formats by name. Adding a format is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable

from bastion.errors import UsageError
from bastion.reports.base import Reporter
from bastion.reports.json import JsonReporter
from bastion.reports.table import TableReporter

FORMATS: dict[str, Callable[[], Reporter]] = {
    "table": TableReporter,
    "json": JsonReporter,
}


def get(name: str) -> Reporter:
    factory = FORMATS.get(name)
    if factory is None:
        raise UsageError(f"unknown format {name!r}", hint=f"choose from: {', '.join(FORMATS)}")
    return factory()
