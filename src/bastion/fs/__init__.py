"""File-level safety: limits, bounded parsers, safe path handling, directory walks."""

from bastion.fs.limits import DEFAULT_LIMITS, Limits

__all__ = ["DEFAULT_LIMITS", "Limits"]
