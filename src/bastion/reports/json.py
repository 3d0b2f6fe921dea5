"""bastion's own JSON: the documented contract (docs/json-schema.md), lossless."""

from __future__ import annotations

from typing import ClassVar, TextIO

from bastion import codec
from bastion.model import ScanResult


class JsonReporter:
    name: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"

    def render(self, result: ScanResult, out: TextIO) -> None:
        out.write(codec.dumps(result))
        out.write("\n")
