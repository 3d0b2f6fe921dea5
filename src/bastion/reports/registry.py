"""Report formats by name. Adding a format is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable

from bastion.errors import UsageError
from bastion.reports.base import ConfigurableReporter, Reporter, ReportOptions
from bastion.reports.cyclonedx import CycloneDxReporter
from bastion.reports.gitlab import GitLabReporter
from bastion.reports.html import HtmlReporter
from bastion.reports.json import JsonReporter
from bastion.reports.junit import JUnitReporter
from bastion.reports.markdown import MarkdownReporter
from bastion.reports.sarif import SarifReporter
from bastion.reports.spdx import SpdxJsonReporter
from bastion.reports.table import TableReporter
from bastion.reports.template import TemplateReporter

FORMATS: dict[str, Callable[[], Reporter]] = {
    "table": TableReporter,
    "json": JsonReporter,
    "sarif": SarifReporter,
    "junit": JUnitReporter,
    "gitlab": GitLabReporter,
    "markdown": MarkdownReporter,
    "html": HtmlReporter,
    "template": TemplateReporter,
    "cyclonedx": CycloneDxReporter,
    "spdx-json": SpdxJsonReporter,
}


def get(name: str, options: ReportOptions | None = None) -> Reporter:
    factory = FORMATS.get(name)
    if factory is None:
        raise UsageError(f"unknown format {name!r}", hint=f"choose from: {', '.join(FORMATS)}")
    reporter = factory()
    if options is not None and isinstance(reporter, ConfigurableReporter):
        reporter.configure(options)
    return reporter
