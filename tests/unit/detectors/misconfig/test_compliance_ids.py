"""Every compliance id a built-in check maps to is a real control of its framework.

The valid ids (with titles) are data in ``tests/fixtures/compliance/<key>.yaml``, one file per short
key of :data:`FRAMEWORKS`, transcribed from published sources (listed in each file and in
``docs/compliance-sources.md``). A typo, an id from another benchmark version or an invented id fails
here instead of reaching an auditor's report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from bastion.detectors.misconfig.checks import FRAMEWORKS, builtin_checks

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "compliance"
SHORT = {name: key for key, name in FRAMEWORKS.items()}


def load(key: str) -> dict[str, Any]:
    data = yaml.safe_load((FIXTURES / f"{key}.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, dict), key
    return data


@pytest.mark.parametrize("key", sorted(FRAMEWORKS))
def test_fixture_describes_the_framework(key: str) -> None:
    data = load(key)
    # the fixture is for exactly the benchmark version the findings name
    assert data["framework"] == FRAMEWORKS[key]
    assert data["sources"], "a fixture without a source is not verifiable"
    for src in data["sources"]:
        assert src.get("repo") and src.get("path") and src.get("commit"), src
    controls = data["controls"]
    assert controls and all(isinstance(k, str) for k in controls), "ids must load as strings"
    assert all(isinstance(t, str) and t.strip() for t in controls.values()), "every id needs its title"


def test_no_fixture_without_a_framework() -> None:
    assert sorted(p.stem for p in FIXTURES.glob("*.yaml")) == sorted(FRAMEWORKS)


@pytest.mark.parametrize("key", sorted(FRAMEWORKS))
def test_every_mapping_is_a_known_control(key: str) -> None:
    valid = load(key)["controls"]
    unknown = sorted(
        f"{c.meta.id}: {ref.control!r}"
        for c in builtin_checks()
        for ref in c.meta.compliance
        if ref.framework == FRAMEWORKS[key] and ref.control not in valid
    )
    assert not unknown, f"ids not in tests/fixtures/compliance/{key}.yaml: {unknown}"


def test_every_mapping_names_a_known_framework() -> None:
    stray = sorted(
        f"{c.meta.id}: {ref.framework}"
        for c in builtin_checks()
        for ref in c.meta.compliance
        if ref.framework not in SHORT
    )
    assert not stray


def test_no_duplicate_mappings() -> None:
    dups = [c.meta.id for c in builtin_checks() if len(set(c.meta.compliance)) != len(c.meta.compliance)]
    assert not dups


# Fixed points found when the mappings were verified (docs/compliance-sources.md): CIS Docker v1.6.0
# numbers its runtime section from 5.1 = swarm mode, so v1.2-era numbers are one too low.
@pytest.mark.parametrize(
    ("check_id", "key", "control"),
    [
        ("BST-DC-001", "cis_docker", "5.5"),  # privileged containers
        ("BST-DC-005", "cis_docker", "5.32"),  # Docker socket
        ("BST-DF-015", "cis_docker", "5.7"),  # sshd
        ("BST-K8S-046", "cis_k8s", "5.1.8"),  # bind, impersonate, escalate
        ("BST-AWS-007", "cis_aws", "5.2"),
        ("BST-AZ-006", "cis_azure", "6.1"),  # RDP
        ("BST-GCP-010", "cis_gcp", "3.6"),  # SSH
    ],
)
def test_known_mappings(check_id: str, key: str, control: str) -> None:
    meta = next(c.meta for c in builtin_checks() if c.meta.id == check_id)
    assert control in [r.control for r in meta.compliance if r.framework == FRAMEWORKS[key]]
