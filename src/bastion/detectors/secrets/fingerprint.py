"""Secrets are identified by a hash, never kept in plaintext.

- :func:`secret_hash`: sha256 of the secret value (private keys: of their base64 body, so the same key
  re-wrapped or indented hashes the same). Baselines match on it without holding the secret.
- :func:`finding_fingerprint`: rule id + path + secret hash — stable when lines move, different when
  the same secret sits in another file.
- :func:`redact`: what reports, logs and uploads show: the first 4 characters and the length
  (fewer characters for short secrets, so a password never shows more than a quarter of itself).
"""

from __future__ import annotations

import hashlib
import re

from bastion.model import FindingKind, fingerprint
from bastion.redact import redact

__all__ = ["finding_fingerprint", "normalize_secret", "redact", "secret_hash"]

_PEM_ARMOR = re.compile(rb"-----(?:BEGIN|END)[ A-Z0-9]{1,60}-----|^[A-Za-z-]{2,30}: .*$", re.MULTILINE)


def normalize_secret(secret: bytes) -> bytes:
    """The value that identifies a secret: PEM/PGP blocks lose their armour, headers and whitespace."""
    stripped = secret.lstrip()
    if stripped.startswith((b"-----BEGIN", b"---- BEGIN", b"PuTTY-User-Key-File")):
        body = stripped.replace(b"\\n", b"\n").replace(b"\\r", b"")
        body = _PEM_ARMOR.sub(b"", body)
        return re.sub(rb"[^A-Za-z0-9+/=]", b"", body)
    return secret


def secret_hash(secret: bytes) -> str:
    return hashlib.sha256(normalize_secret(secret)).hexdigest()


def finding_fingerprint(rule_id: str, path: str, hashed: str) -> str:
    return fingerprint(FindingKind.SECRET, rule_id, path, hashed)
