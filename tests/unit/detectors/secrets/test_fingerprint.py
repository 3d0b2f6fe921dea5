"""Secrets are identified by hash: stable across line moves, redacted everywhere."""

from __future__ import annotations

import pytest

from bastion.detectors.secrets.fingerprint import finding_fingerprint, normalize_secret, redact, secret_hash


def test_fingerprint_ignores_lines_but_not_paths() -> None:
    h = secret_hash(b"ghp_abc")
    assert finding_fingerprint("github-pat", "a.py", h) == finding_fingerprint("github-pat", "a.py", h)
    assert finding_fingerprint("github-pat", "a.py", h) != finding_fingerprint("github-pat", "b.py", h)
    assert finding_fingerprint("github-pat", "a.py", h).startswith("secr:")


@pytest.mark.parametrize(
    ("secret", "shown"),
    [
        ("ghp_1234567890abcdefghijklmnopqrstuvwxyz", "ghp_…(40)"),
        ("Xk9#pl2Qz", "Xk…(9)"),
        ("abc", "…(3)"),
        (
            "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----",
            "-----BEGIN RSA PRIVATE KEY-----…(66)",
        ),
    ],
)
def test_redact(secret: str, shown: str) -> None:
    assert redact(secret) == shown
    assert redact(secret.encode()) == shown


def test_redaction_never_reveals_more_than_a_quarter_of_short_secrets() -> None:
    for n in range(1, 40):
        s = "x" * n
        visible = redact(s).split("…")[0]
        assert len(visible) <= max(4 if n >= 16 else n // 4, 0)


def test_pem_hash_ignores_wrapping_and_escapes() -> None:
    pem = b"-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\nq7+0\n-----END PRIVATE KEY-----"
    escaped = pem.replace(b"\n", b"\\n")
    indented = b"\n".join(b"    " + ln for ln in pem.split(b"\n"))
    assert secret_hash(pem) == secret_hash(escaped) == secret_hash(indented)
    assert normalize_secret(b"plain") == b"plain"
