"""Targets: where bytes come from (directories, repositories, images, SBOM files)."""

from bastion.targets.base import FileNotInTreeError, FileTree, Target, WantFn, read_bytes

__all__ = ["FileNotInTreeError", "FileTree", "Target", "WantFn", "read_bytes"]
