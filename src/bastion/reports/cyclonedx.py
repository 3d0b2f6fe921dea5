"""``--format cyclonedx``: the scan as a CycloneDX 1.6 JSON document with its vulnerabilities (a VDR).

Every package is a component and every vulnerability finding, suppressed ones included, a
``vulnerabilities`` entry (suppressed ones carry an ``analysis``); see :mod:`bastion.sbom.cyclonedx`.
Other finding kinds (secrets, misconfigurations …) have no place in CycloneDX and are not written.
"""

from __future__ import annotations

from typing import ClassVar, TextIO

from bastion.model import ScanResult


class CycloneDxReporter:
    name: ClassVar[str] = "cyclonedx"
    media_type: ClassVar[str] = "application/vnd.cyclonedx+json; version=1.6"

    def render(self, result: ScanResult, out: TextIO) -> None:
        from bastion.sbom.base import Sbom
        from bastion.sbom.cyclonedx import CycloneDxJsonEncoder

        CycloneDxJsonEncoder().encode(Sbom.from_result(result), out)
