"""``--format spdx-json``: the scan's inventory as an SPDX 2.3 JSON document (see :mod:`bastion.sbom.spdx`).

SPDX 2.3 has no place for vulnerabilities: findings are not written (use ``cyclonedx`` for a VDR).
"""

from __future__ import annotations

from typing import ClassVar, TextIO

from bastion.model import ScanResult


class SpdxJsonReporter:
    name: ClassVar[str] = "spdx-json"
    media_type: ClassVar[str] = "application/spdx+json"

    def render(self, result: ScanResult, out: TextIO) -> None:
        from bastion.sbom.base import Sbom
        from bastion.sbom.spdx import SpdxJsonEncoder

        SpdxJsonEncoder().encode(Sbom.from_result(result), out)
