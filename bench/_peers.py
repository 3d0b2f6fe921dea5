"""Locate the peer tools bastion is measured against (trivy, syft, gitleaks, checkov).

Looks in ``$BASTION_PEERS_BIN``, ``$PEERS_DIR/bin``, ``~/.cache/bastion-peers/bin`` (where
``../shared/tools/get-peers.sh`` installs them) and ``$PATH``. ``ensure_peers()`` runs get-peers.sh
when it is available and a tool is missing. Benchmarks only: tests never need these tools.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GET_PEERS = REPO.parent / "shared" / "tools" / "get-peers.sh"


def _candidates() -> list[Path]:
    dirs = []
    for env in ("BASTION_PEERS_BIN",):
        if os.environ.get(env):
            dirs.append(Path(os.environ[env]))
    if os.environ.get("PEERS_DIR"):
        dirs.append(Path(os.environ["PEERS_DIR"]) / "bin")
    dirs.append(Path.home() / ".cache" / "bastion-peers" / "bin")
    return dirs


def find_peer(name: str) -> Path | None:
    """Absolute path of a peer tool, or None."""
    for d in _candidates():
        p = d / name
        if p.is_file() and os.access(p, os.X_OK):
            return p
    found = shutil.which(name)
    return Path(found) if found else None


def ensure_peers(*names: str) -> dict[str, Path | None]:
    """Find the tools; run get-peers.sh once if some are missing and the script exists."""
    found = {n: find_peer(n) for n in names}
    if any(v is None for v in found.values()) and GET_PEERS.is_file():
        subprocess.run(
            ["bash", str(GET_PEERS)], check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        found = {n: find_peer(n) for n in names}
    return found


def peer_version(path: Path) -> str:
    try:
        out = subprocess.run(
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    return out.strip().splitlines()[0] if out.strip() else "?"


__all__ = ["ensure_peers", "find_peer", "peer_version"]
