"""bastion → CycloneDX/SPDX JSON → bastion loses nothing an inventory needs."""

from __future__ import annotations

import dataclasses

import pytest

from bastion.model import ArtifactKind, Package
from bastion.sbom import decode_bytes
from bastion.sbom.base import Sbom
from tests.unit.sbom.cases import SBOM_CASES
from tests.unit.sbom.conftest import encode
from tests.unit.sbom.test_decoders import decode

FORMATS = ("cyclonedx-json", "cyclonedx-xml", "spdx-json")


def round_trip(fmt: str, sbom: Sbom) -> Sbom:
    return decode_bytes(encode(fmt, sbom).encode(), source=f"roundtrip.{fmt}")


def canon(packages: tuple[Package, ...]) -> tuple[Package, ...]:
    """Order inside a package's dependency and license lists carries no meaning (CycloneDX sorts them)."""
    return tuple(
        dataclasses.replace(p, dependencies=tuple(sorted(p.dependencies)), licenses=tuple(sorted(p.licenses)))
        for p in packages
    )


@pytest.mark.parametrize("case", ["image", "project", "empty", "vdr"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_packages_survive_exactly(fmt: str, case: str) -> None:
    original = SBOM_CASES[case]()
    back = round_trip(fmt, original)
    # every field: name, version, ecosystem, purl, locations with layers, found_by, id, source package,
    # direct, dev, licenses, dependencies (as package ids) and metadata
    assert canon(back.packages) == canon(original.packages)
    assert back.unknowns == ()


@pytest.mark.parametrize("case", ["image", "project", "empty"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_target_survives(fmt: str, case: str) -> None:
    original = SBOM_CASES[case]().target
    back = round_trip(fmt, SBOM_CASES[case]()).target
    assert back.kind is ArtifactKind.SBOM  # what bastion read is now an SBOM …
    assert back.metadata["subject_kind"] == original.kind.value  # … of this kind of thing
    assert back.metadata["subject_ref"] == original.ref
    assert back.name == original.name
    assert back.os == original.os
    assert back.layers == original.layers
    assert back.image_id == original.image_id
    assert back.repo_tags == original.repo_tags
    assert back.repo_digests == original.repo_digests
    assert back.platform == original.platform


@pytest.mark.parametrize("fmt", FORMATS)
def test_dependencies_resolve_to_the_same_packages(fmt: str) -> None:
    original = SBOM_CASES["project"]()
    back = round_trip(fmt, original)
    names = {p.id: p.name for p in back.packages}
    requests = next(p for p in back.packages if p.name == "requests")
    assert sorted(names[d] for d in requests.dependencies) == ["idna", "urllib3"]


@pytest.mark.parametrize(("tool", "case"), [("syft", "image"), ("trivy", "image"), ("syft", "project")])
@pytest.mark.parametrize("fmt", FORMATS)
def test_third_party_inventories_survive_reencoding(tool: str, case: str, fmt: str) -> None:
    """A syft/trivy SBOM read by bastion and written again is read back to the same inventory."""
    first = decode(tool, case, "cdx.json")
    again = round_trip(fmt, first)
    assert canon(again.packages) == canon(first.packages)
    assert again.target.os == first.target.os


def test_timestamp_and_tools_survive() -> None:
    back = round_trip("cyclonedx-json", SBOM_CASES["image"]())
    assert back.created == SBOM_CASES["image"]().created
    assert [str(t) for t in back.tools] == ["bastion 0.0.0-test"]
