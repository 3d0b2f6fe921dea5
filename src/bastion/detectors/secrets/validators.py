"""Offline validators: structural checks a real credential passes and a look-alike usually does not.

A validator takes the secret (bytes) and returns True when it is plausible. These never touch the
network (live checks are :mod:`bastion.detectors.secrets.validate`, opt-in). Examples: the CRC32
checksum GitHub and npm embed in their tokens, a JWT whose header decodes to JSON with ``alg``, a
base64 value that decodes to ``user:password``.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Callable

__all__ = ["BASE62", "VALIDATORS", "base62_checksum", "validate"]

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

Validator = Callable[[bytes], bool]


def base62_checksum(body: str) -> str:
    """CRC32 of ``body`` in base62, left-padded with '0' to 6 characters (GitHub and npm tokens)."""
    n = zlib.crc32(body.encode())
    out = ""
    while n:
        n, r = divmod(n, 62)
        out = BASE62[r] + out
    return out.rjust(6, "0")


def _crc_token(secret: bytes, prefix_len: int, body_len: int) -> bool:
    text = secret.decode("ascii", "replace")
    if len(text) != prefix_len + body_len + 6:
        return len(text) > prefix_len + body_len + 6  # longer variants (ghr_ 76) carry no known checksum
    body = text[prefix_len : prefix_len + body_len]
    return base62_checksum(body) == text[-6:]


def _github_checksum(secret: bytes) -> bool:
    return _crc_token(secret, 4, 30)


def _npm_checksum(secret: bytes) -> bool:
    return _crc_token(secret, 4, 30)


def _b64decode(value: bytes, *, urlsafe: bool = False) -> bytes | None:
    raw = re.sub(rb"\s+", b"", value)
    raw = raw.replace(b"%2B", b"+").replace(b"%2F", b"/").replace(b"%3D", b"=")
    pad = -len(raw) % 4
    try:
        if urlsafe:
            return base64.urlsafe_b64decode(raw + b"=" * pad)
        return base64.b64decode(raw + b"=" * pad, validate=True)
    except (binascii.Error, ValueError):
        return None


def _base64_len(n: int) -> Validator:
    def check(secret: bytes) -> bool:
        got = _b64decode(secret)
        return got is not None and len(got) == n

    return check


def _base64_user_password(secret: bytes) -> bool:
    got = _b64decode(secret)
    if got is None:
        return False
    try:
        text = got.decode("utf-8")
    except UnicodeDecodeError:
        return False
    user, sep, password = text.partition(":")
    if not sep or not user or len(password) < 3 or not text.isprintable():
        return False
    from bastion.detectors.secrets.noise import is_placeholder

    return not is_placeholder(password.encode(), strict=True)


def _base64_docker_config(secret: bytes) -> bool:
    got = _b64decode(secret)
    if got is None:
        return False
    try:
        doc = json.loads(got)
    except (ValueError, UnicodeDecodeError):
        return False
    if not isinstance(doc, dict):
        return False
    auths = doc.get("auths", doc)
    return isinstance(auths, dict) and any(
        isinstance(v, dict) and (v.get("auth") or v.get("password")) for v in auths.values()
    )


def _base64_pem_private_key(secret: bytes) -> bool:
    got = _b64decode(secret)
    return got is not None and b"PRIVATE KEY-----" in got


def _jwt(secret: bytes) -> bool:
    parts = secret.split(b".")
    if len(parts) != 3:
        return False
    header = _b64decode(parts[0], urlsafe=True)
    payload = _b64decode(parts[1], urlsafe=True)
    if header is None or payload is None:
        return False
    try:
        h = json.loads(header)
        p = json.loads(payload)
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(h, dict) and isinstance(h.get("alg"), str) and isinstance(p, dict)


def _aws_key_id(secret: bytes) -> bool:
    body = secret[4:]
    return len(set(body)) >= 6


def _aws_secret_shape(secret: bytes) -> bool:
    s = secret
    has_lower = any(97 <= c <= 122 for c in s)
    has_upper = any(65 <= c <= 90 for c in s)
    has_digit = any(48 <= c <= 57 for c in s)
    if not (has_lower and has_upper and has_digit):
        return False
    if re.fullmatch(rb"[0-9a-fA-F]{40}", s):  # a SHA-1 hex digest
        return False
    return not re.search(rb"[A-Za-z]{20}", s)  # a word or identifier, not random base64


def _private_key(secret: bytes) -> bool:
    from bastion.detectors.secrets.keys import analyze_private_key

    return analyze_private_key(secret).plausible


def _pgp_private_key(secret: bytes) -> bool:
    from bastion.detectors.secrets.keys import pgp_block_is_secret_key

    return pgp_block_is_secret_key(secret)


def _putty(secret: bytes) -> bool:
    m = re.search(rb"Private-Lines: (\d+)\r?\n", secret)
    if m is None:
        return False
    lines = secret[m.end() :].splitlines()
    wanted = int(m.group(1))
    body = b"".join(lines[:wanted])
    return wanted > 0 and len(lines) > wanted and _b64decode(body) is not None


def _base64_body(secret: bytes) -> bool:
    lines = [ln.strip() for ln in secret.splitlines()[1:-1]]
    body = b"".join(ln for ln in lines if ln and b":" not in ln and not ln.startswith(b'"'))
    got = _b64decode(body)
    return got is not None and len(got) >= 48


VALIDATORS: dict[str, Validator] = {
    "github-checksum": _github_checksum,
    "npm-checksum": _npm_checksum,
    "aws-key-id": _aws_key_id,
    "aws-secret-shape": _aws_secret_shape,
    "base64-64-bytes": _base64_len(64),
    "base64-32-bytes": _base64_len(32),
    "base64-user-password": _base64_user_password,
    "base64-docker-config": _base64_docker_config,
    "base64-pem-private-key": _base64_pem_private_key,
    "base64-body": _base64_body,
    "jwt": _jwt,
    "private-key": _private_key,
    "pgp-private-key": _pgp_private_key,
    "putty-private-key": _putty,
}


def validate(name: str | None, secret: bytes) -> bool:
    """True when ``secret`` passes the named validator (or there is none)."""
    if name is None:
        return True
    fn = VALIDATORS.get(name)
    if fn is None:
        return True
    try:
        return fn(secret)
    except (ValueError, TypeError, UnicodeError):
        return False
