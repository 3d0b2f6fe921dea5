"""Helpers for the SBOM tests: golden files, the official validators, the committed real SBOMs.

Golden files live in ``tests/golden/sbom/<format>/<case>.<ext>``; ``pytest --update-golden`` (the option is
defined in ``tests/conftest.py``) rewrites them. Volatile fields (timestamps, serial numbers, document
namespaces, bastion's version) are normalised before comparing, so a golden file changes only when the
output's content does.
"""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator

from bastion import __version__
from bastion.sbom import registry
from bastion.sbom.base import Sbom

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "tests" / "golden" / "sbom"
FIXTURES = REPO / "tests" / "fixtures" / "sbom"
EXTENSIONS = {
    "cyclonedx-json": "cdx.json",
    "cyclonedx-xml": "cdx.xml",
    "spdx-json": "spdx.json",
    "spdx-tv": "spdx",
    "cyclonedx": "json",  # the `bastion scan --format cyclonedx` report (VDR)
    "spdx-report": "spdx.json",  # the `bastion scan --format spdx-json` report
}

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)")


def normalise(text: str) -> str:
    text = _UUID.sub("00000000-0000-0000-0000-000000000000", text)
    text = _TIME.sub("2000-01-01T00:00:00Z", text)
    for version in {__version__, "0.0.0-test"}:
        text = text.replace(f"bastion-{version}", "bastion-VERSION")
        text = text.replace(f'"version": "{version}"', '"version": "VERSION"')
        text = text.replace(f"<version>{version}</version>", "<version>VERSION</version>")
    return text


def check_golden(fmt: str, case: str, text: str, update: bool) -> None:
    path = GOLDEN / fmt / f"{case}.{EXTENSIONS[fmt]}"
    got = normalise(text)
    if update or not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8", newline="\n")
        if not update:
            pytest.fail(f"golden file {path} was missing and has been written; review it and re-run")
    assert got == path.read_text(encoding="utf-8"), (
        f"{path} differs; run pytest --update-golden and review the diff"
    )


def encode(fmt: str, sbom: Sbom) -> str:
    out = io.StringIO()
    registry.encoder(fmt).encode(sbom, out)
    return out.getvalue()


def assert_valid_cyclonedx_json(text: str) -> None:
    errors = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert errors is None, [str(e) for e in errors or ()]


def assert_valid_cyclonedx_xml(text: str) -> None:
    try:
        import lxml  # noqa: F401 - cyclonedx-python-lib's XML validator needs it
    except ImportError:
        pytest.fail("validating CycloneDX XML against the official XSD needs lxml (pyproject's dev extra)")
    errors = XmlValidator(SchemaVersion.V1_6).validate_str(text, all_errors=True)
    assert errors is None, [str(e) for e in errors or ()]


def parse_spdx(text: str, suffix: str):  # -> spdx_tools Document
    """Parse with spdx-tools' own parser (it picks the format by file name), as a consumer would."""
    from spdx_tools.spdx.parser.parse_anything import parse_file

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"doc{suffix}"
        path.write_text(text, encoding="utf-8")
        return parse_file(str(path))


def assert_valid_spdx(text: str, suffix: str) -> None:
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    doc = parse_spdx(text, suffix)
    messages = validate_full_spdx_document(doc, "SPDX-2.3")
    assert messages == [], [m.validation_message for m in messages]
