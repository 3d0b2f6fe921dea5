"""Pydantic models of OSV JSON (https://ossf.github.io/osv-schema/): the readable statement of what ingest
accepts.

Ingest itself does not validate through these models: :func:`bastion.vulndb.ingest.normalise_record`
applies the same rules in one pass while it builds the stored form (three times faster), and
``tests/unit/vulndb/test_fast_paths.py`` checks, on real records and on mutated ones, that it accepts
and rejects exactly the documents these models accept and reject. Change both together.

Tolerant of what real feeds contain, strict about what matching depends on:

- only ``id`` is required; ``modified`` is required by the schema but missing in some exports, so it
  defaults to ``""`` and ingest records that;
- scalars that YAML-converted feeds turn into numbers (``versions: [1.0]``, numeric scores) are
  coerced to strings;
- ``affected[].package`` may be absent (GIT-only records of C/C++ projects); such entries cannot match
  a package and ingest skips them with a count;
- unknown fields are ignored, ``database_specific``/``ecosystem_specific`` are free-form;
- an event object should carry exactly one of ``introduced``/``fixed``/``last_affected``/``limit``;
  ingest rejects a record whose event carries none or several (it cannot be evaluated as published).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator

__all__ = [
    "OsvAffected",
    "OsvEvent",
    "OsvPackage",
    "OsvRange",
    "OsvRecord",
    "OsvReference",
    "OsvSeverity",
    "parse_record",
]

_CONFIG = ConfigDict(extra="ignore", coerce_numbers_to_str=True, frozen=True)


def _none_to_empty(value: Any) -> Any:
    return [] if value is None else value


class OsvSeverity(BaseModel):
    model_config = _CONFIG
    type: str
    score: str


class OsvPackage(BaseModel):
    model_config = _CONFIG
    ecosystem: str = ""
    name: str = ""
    purl: str | None = None


class OsvEvent(BaseModel):
    model_config = _CONFIG
    introduced: str | None = None
    fixed: str | None = None
    last_affected: str | None = None
    limit: str | None = None


class OsvRange(BaseModel):
    model_config = _CONFIG
    type: str
    repo: str | None = None
    events: list[OsvEvent] = Field(default_factory=list)

    _empty = field_validator("events", mode="before")(_none_to_empty)


class OsvAffected(BaseModel):
    model_config = _CONFIG
    package: OsvPackage | None = None
    severity: list[OsvSeverity] = Field(default_factory=list)
    ranges: list[OsvRange] = Field(default_factory=list)
    versions: list[str] = Field(default_factory=list)
    ecosystem_specific: dict[str, Any] | None = None
    database_specific: dict[str, Any] | None = None

    _empty = field_validator("severity", "ranges", "versions", mode="before")(_none_to_empty)


class OsvReference(BaseModel):
    model_config = _CONFIG
    type: str = ""
    url: str = ""


class OsvRecord(BaseModel):
    model_config = _CONFIG
    schema_version: str | None = None
    id: str
    modified: str = ""
    published: str | None = None
    withdrawn: str | None = None
    aliases: list[str] = Field(default_factory=list)
    related: list[str] = Field(default_factory=list)
    upstream: list[str] = Field(default_factory=list)
    summary: str | None = None
    details: str | None = None
    severity: list[OsvSeverity] = Field(default_factory=list)
    affected: list[OsvAffected] = Field(default_factory=list)
    references: list[OsvReference] = Field(default_factory=list)
    database_specific: dict[str, Any] | None = None

    _empty = field_validator(
        "aliases", "related", "upstream", "severity", "affected", "references", mode="before"
    )(_none_to_empty)

    @field_validator("id")
    @classmethod
    def _id_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("id is empty")
        return value.strip()


_RECORD = TypeAdapter(OsvRecord)


def parse_record(data: bytes | str) -> OsvRecord:
    """Validate one OSV JSON document; raises ``pydantic.ValidationError`` (or ``ValueError``)."""
    return _RECORD.validate_json(data)
