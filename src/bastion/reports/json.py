"""bastion's own JSON: the documented contract (docs/json-schema.md), lossless."""

from __future__ import annotations

from typing import Any, ClassVar, TextIO

from pydantic import TypeAdapter

from bastion import codec
from bastion.model import SCHEMA_VERSION, ScanResult

SCHEMA_ID = f"https://bastion.dev/schemas/result-{SCHEMA_VERSION}.json"


class JsonReporter:
    name: ClassVar[str] = "json"
    media_type: ClassVar[str] = "application/json"

    def render(self, result: ScanResult, out: TextIO) -> None:
        out.write(codec.dumps(result))
        out.write("\n")


def result_json_schema() -> dict[str, Any]:
    """JSON Schema (2020-12) of the result, generated from the model (tests/schemas/bastion-result-1.json)."""
    schema: dict[str, Any] = TypeAdapter(ScanResult).json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": f"bastion scan result, schema_version {SCHEMA_VERSION}",
        **schema,
    }
