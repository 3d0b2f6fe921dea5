"""Operating-system detection from release files (os-release first, then distro-specific files)."""

from __future__ import annotations

import shlex

from bastion.model import OsInfo
from bastion.targets.base import FileNotInTreeError, FileTree, read_bytes

_RELEASE_FILES = ("etc/os-release", "usr/lib/os-release")


def parse_os_release(text: str) -> dict[str, str]:
    """KEY=value lines with shell quoting, as os-release(5) specifies."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        try:
            parts = shlex.split(value, posix=True)
        except ValueError:
            parts = [value.strip("\"'")]
        out[key.strip()] = parts[0] if parts else ""
    return out


def detect_os(tree: FileTree) -> OsInfo | None:
    for path in _RELEASE_FILES:
        try:
            data = read_bytes(tree, path, 64 * 1024)
        except FileNotInTreeError:
            continue
        fields = parse_os_release(data.decode("utf-8", "replace"))
        family = fields.get("ID", "").lower()
        if not family:
            continue
        version = fields.get("VERSION_ID", "")
        return OsInfo(
            family=family,
            version=version,
            name=fields.get("PRETTY_NAME") or None,
            codename=fields.get("VERSION_CODENAME") or None,
        )
    return None
