"""Every built-in check fires on its failing snippet and stays quiet on its passing one.

The case table is keyed by check id and the parametrisation comes from the check data, so a new
check without a case fails this suite.
"""

from __future__ import annotations

from typing import Any

import pytest

from bastion.detectors.misconfig.checks import FRAMEWORKS, builtin_checks
from bastion.detectors.misconfig.detector import MisconfigDetector, evaluate, image_resource
from bastion.model import ImageConfig
from bastion.model.artifact import HistoryEntry
from tests.unit.detectors.misconfig._cases import CASES

CHECKS = {c.meta.id: c for c in builtin_checks()}


def run_one(check_id: str, name: str, data: Any) -> list[str]:
    check = CHECKS[check_id]
    if name == "image":
        kwargs = dict(data)
        caches = kwargs.pop("caches", None)
        if "history" in kwargs:
            kwargs["history"] = tuple(HistoryEntry(created_by=h) for h in kwargs["history"])
        resources = [image_resource(ImageConfig(**kwargs), caches)]
    else:
        det = MisconfigDetector()
        det.parse(name, data.encode())
        from bastion.detectors.misconfig import terraform

        resources = det.resources + terraform.build_modules(det.modules)
    assert resources, f"{check_id}: the snippet produced no resources"
    return [f.id for f in evaluate(resources, [check], {})]


def test_at_least_120_checks() -> None:
    assert len(CHECKS) >= 120


def test_every_check_has_a_case() -> None:
    missing = sorted(set(CHECKS) - set(CASES))
    assert not missing, f"checks without a failing/passing case in _cases.py: {missing}"
    assert not sorted(set(CASES) - set(CHECKS)), "cases for unknown checks"


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_fails_and_passes(check_id: str) -> None:
    name, failing, passing = CASES[check_id]
    assert check_id in run_one(check_id, name, failing), "did not fire on the failing snippet"
    assert run_one(check_id, name, passing) == [], "fired on the passing snippet"


@pytest.mark.parametrize("check_id", sorted(CHECKS))
def test_check_metadata_complete(check_id: str) -> None:
    meta = CHECKS[check_id].meta
    assert meta.title and meta.description and meta.remediation
    assert meta.compliance, "every check maps to at least one control"
    assert all(ref.framework in FRAMEWORKS.values() for ref in meta.compliance)
    assert meta.file_types


def test_docs_table_is_current() -> None:
    from pathlib import Path

    from bastion.detectors.misconfig.doctable import main

    doc = Path(__file__).resolve().parents[4] / "docs" / "misconfig.md"
    assert main([str(doc), "--check"]) == 0, (
        "run: python -m bastion.detectors.misconfig.doctable docs/misconfig.md"
    )
