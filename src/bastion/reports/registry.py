"""Report formats by name. Adding a format is one module plus one line here."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from bastion.errors import UsageError
from bastion.reports.base import ConfigurableReporter, Reporter, ReportOptions


def _lazy(module: str, name: str) -> Callable[[], Reporter]:
    """A factory that imports its reporter only when used (SBOM and HTML libraries are heavy)."""

    def factory() -> Reporter:
        cls: Callable[[], Reporter] = getattr(importlib.import_module(module), name)
        return cls()

    factory.__qualname__ = name
    return factory


FORMATS: dict[str, Callable[[], Reporter]] = {
    "table": _lazy("bastion.reports.table", "TableReporter"),
    "json": _lazy("bastion.reports.json", "JsonReporter"),
    "sarif": _lazy("bastion.reports.sarif", "SarifReporter"),
    "junit": _lazy("bastion.reports.junit", "JUnitReporter"),
    "gitlab": _lazy("bastion.reports.gitlab", "GitLabReporter"),
    "markdown": _lazy("bastion.reports.markdown", "MarkdownReporter"),
    "html": _lazy("bastion.reports.html", "HtmlReporter"),
    "template": _lazy("bastion.reports.template", "TemplateReporter"),
    "cyclonedx": _lazy("bastion.reports.cyclonedx", "CycloneDxReporter"),
    "spdx-json": _lazy("bastion.reports.spdx", "SpdxJsonReporter"),
}


def get(name: str, options: ReportOptions | None = None) -> Reporter:
    factory = FORMATS.get(name)
    if factory is None:
        raise UsageError(f"unknown format {name!r}", hint=f"choose from: {', '.join(FORMATS)}")
    reporter = factory()
    if options is not None and isinstance(reporter, ConfigurableReporter):
        reporter.configure(options)
    return reporter
