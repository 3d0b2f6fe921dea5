"""Build advisory mirrors and databases from the committed real fixtures (tests/fixtures/osv, vulndata).

The mirror has the layout ``bastion db update --from`` reads: ``osv/<Ecosystem>/all.zip`` (built here
from the committed JSON records, one ``<ID>.json`` member each, as the OSV dump does),
``alpine/<branch>/<repo>.yaml``, ``debian/tracker-sample.json``, ``kev/…json`` and a ``SHA256SUMS``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

from tests._support.paths import FIXTURES

OSV_FIXTURES = FIXTURES / "osv"
VULNDATA_FIXTURES = FIXTURES / "vulndata"


def osv_record(ecosystem: str, advisory_id: str) -> dict[str, Any]:
    return json.loads((OSV_FIXTURES / ecosystem / f"{advisory_id}.json").read_bytes())


def osv_bytes(ecosystem: str, advisory_id: str) -> bytes:
    return (OSV_FIXTURES / ecosystem / f"{advisory_id}.json").read_bytes()


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(members.items()):
            zf.writestr(name, data)
    return path


def build_mirror(root: Path, *, checksums: bool = True) -> Path:
    """A complete mirror under ``root`` from the committed fixtures; returns ``root``."""
    for eco_dir in sorted(p for p in OSV_FIXTURES.iterdir() if p.is_dir()):
        members = {f.name: f.read_bytes() for f in sorted(eco_dir.glob("*.json"))}
        write_zip(root / "osv" / eco_dir.name / "all.zip", members)
    for sub in ("alpine", "debian", "kev"):
        shutil.copytree(VULNDATA_FIXTURES / sub, root / sub, dirs_exist_ok=True)
    if checksums:
        write_sums(root)
    return root


def write_sums(root: Path) -> None:
    lines = []
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.name != "SHA256SUMS":
            lines.append(f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(root).as_posix()}")
    (root / "SHA256SUMS").write_text("\n".join(lines) + "\n")
