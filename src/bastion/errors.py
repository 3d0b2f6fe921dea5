"""The error taxonomy.

Every error bastion raises on purpose derives from :class:`BastionError`. Messages start with the
location (file, image, URL) and say what was expected. Exactly one boundary per entry point (the CLI's
``main``, later the server's exception handler) turns these into output and an exit code.

Problems with one file inside a target are *not* errors of the scan: they become entries in
``ScanResult.errors`` (see :class:`bastion.model.result.ScanError`) and the scan goes on.
"""

from __future__ import annotations


class BastionError(Exception):
    """Base of every error bastion raises deliberately."""

    #: The process exit code the CLI uses for this class of error.
    exit_code: int = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """User-facing text: the message, then a hint line when there is one."""
        if self.hint:
            return f"{self.message}\n  hint: {self.hint}"
        return self.message


class UsageError(BastionError):
    """Bad command-line usage or configuration value."""

    exit_code = 2


class ConfigError(UsageError):
    """A configuration file (bastion.yaml, waivers, VEX, rules) is malformed."""


class PolicyError(ConfigError):
    """A policy or waiver is malformed."""


class TargetError(BastionError):
    """The target cannot be opened or read at all (missing path, unknown image, bad reference)."""

    exit_code = 2


class RegistryError(TargetError):
    """An OCI registry refused or failed a request."""


class AuthError(RegistryError):
    """The registry rejected our credentials, or demanded credentials we do not have."""


class ManifestUnknownError(RegistryError):
    """The registry has no manifest for the requested tag or digest."""


class DigestMismatchError(TargetError):
    """Content did not hash to the digest it was addressed by. Never ignored."""


class UnsafeArchiveError(TargetError):
    """An archive tried to escape the scratch area or exceeded a safety limit."""


class LimitExceededError(UnsafeArchiveError):
    """A configured safety limit (bytes, files, depth, ratio) was exceeded."""


class ExtractError(BastionError):
    """An extractor could not parse one file. The runner turns it into an ``Unknown``."""


class SbomFormatError(BastionError):
    """An SBOM document could not be recognised or decoded."""

    exit_code = 2


class DbError(BastionError):
    """The vulnerability database is missing, corrupt or could not be updated."""

    exit_code = 2


class DetectorError(BastionError):
    """A detector failed in a way that is not tied to one file."""
