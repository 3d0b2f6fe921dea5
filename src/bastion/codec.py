"""bastion's JSON result: encode a ScanResult to the documented contract and decode it back, losslessly.

This is an edge of the system, so pydantic is used here (and only here for the model): it validates a
stored result on the way back in, and names the field when something is wrong.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field, TypeAdapter, ValidationError

from bastion.errors import BastionError
from bastion.model import Finding, Package, ScanResult
from bastion.model.finding import Evidence

_RESULT = TypeAdapter(ScanResult)
_PACKAGES = TypeAdapter(tuple[Package, ...])
_FINDINGS = TypeAdapter(tuple[Finding, ...])
_EVIDENCE = TypeAdapter(Annotated[Evidence, Field(discriminator="kind")])


class ResultFormatError(BastionError):
    """A stored result does not match bastion's JSON contract."""

    exit_code = 2


def result_to_dict(result: ScanResult) -> dict[str, Any]:
    data: dict[str, Any] = _RESULT.dump_python(result, mode="json")
    return data


def result_from_dict(data: Any, *, source: str = "<result>") -> ScanResult:
    if not isinstance(data, dict):
        raise ResultFormatError(f"{source}: expected a JSON object, got {type(data).__name__}")
    version = data.get("schema_version")
    if version != "1":
        raise ResultFormatError(f"{source}: unsupported schema_version {version!r} (expected '1')")
    try:
        return _RESULT.validate_python(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ResultFormatError(f"{source}: {where}: {first['msg']}") from exc


def dumps(result: ScanResult, *, indent: int | None = 2) -> str:
    return json.dumps(result_to_dict(result), indent=indent, ensure_ascii=False)


def loads(text: str | bytes, *, source: str = "<result>") -> ScanResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ResultFormatError(f"{source}: not JSON: {exc}") from exc
    return result_from_dict(data, source=source)


def packages_to_list(packages: tuple[Package, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = _PACKAGES.dump_python(packages, mode="json")
    return out


def findings_to_list(findings: tuple[Finding, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = _FINDINGS.dump_python(findings, mode="json")
    return out
