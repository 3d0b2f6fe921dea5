"""User templates: ``--format template --template FILE`` renders a Jinja2 template in a sandbox.

The template sees the JSON contract (docs/json-schema.md) as plain data, not bastion's objects:
``result`` (the whole JSON result), and for convenience ``target``, ``packages``, ``findings``,
``verdict`` and ``errors``. The environment is Jinja2's ``SandboxedEnvironment`` (no access to Python
internals) without autoescaping (the template decides the output format; use ``|e`` for HTML).
Extra filters: ``tojson`` (compact JSON) and ``severity_rank``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar, TextIO

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from bastion import codec
from bastion.model import ScanResult, Severity
from bastion.reports.base import ReportError, ReportOptions

MAX_TEMPLATE_BYTES = 1 << 20


def _rank(value: str) -> int:
    try:
        return Severity.parse(value).rank
    except ValueError:
        return 0


class TemplateReporter:
    name: ClassVar[str] = "template"
    media_type: ClassVar[str] = "text/plain"

    def __init__(self) -> None:
        self.template: Path | None = None

    def configure(self, options: ReportOptions) -> None:
        self.template = options.template

    def render(self, result: ScanResult, out: TextIO) -> None:
        if self.template is None:
            raise ReportError("--format template needs --template FILE (a Jinja2 template)")
        name = str(self.template)
        try:
            source = self.template.read_bytes()
        except OSError as exc:
            raise ReportError(f"{name}: cannot read template: {exc.strerror or exc}") from None
        if len(source) > MAX_TEMPLATE_BYTES:
            raise ReportError(f"{name}: template is over {MAX_TEMPLATE_BYTES} bytes")
        env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=True)
        env.filters["tojson"] = lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True)
        env.filters["severity_rank"] = _rank
        try:
            tmpl = env.from_string(source.decode("utf-8", errors="replace"))
        except TemplateSyntaxError as exc:
            raise ReportError(f"{name}:{exc.lineno}: template syntax error: {exc.message}") from None
        data: dict[str, Any] = codec.result_to_dict(result)
        context = {
            "result": data,
            "target": data["target"],
            "packages": data["packages"],
            "findings": data["findings"],
            "verdict": data["verdict"],
            "errors": data["errors"],
            "bastion_version": data["bastion_version"],
        }
        try:
            out.write(tmpl.render(context))
        except TemplateError as exc:
            lineno = getattr(exc, "lineno", None)
            where = f"{name}:{lineno}" if lineno else name
            raise ReportError(f"{where}: template error: {exc}") from None
