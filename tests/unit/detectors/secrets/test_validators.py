"""Offline validators: checksums and structural decodes, positive and negative."""

from __future__ import annotations

import base64
import json

import pytest

from bastion.detectors.secrets.validators import base62_checksum, validate
from tests.fixtures.secrets.generate import Gen, crc_token


@pytest.mark.parametrize("prefix", ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "npm_"])
def test_crc32_base62_tokens(prefix: str) -> None:
    g = Gen(7)
    name = "npm-checksum" if prefix == "npm_" else "github-checksum"
    for _ in range(20):
        tok = crc_token(prefix, g)
        assert validate(name, tok.encode()), tok[:8]
        broken = tok[:-1] + ("A" if tok[-1] != "A" else "B")
        assert not validate(name, broken.encode())


def test_base62_checksum_pads_to_six() -> None:
    assert len(base62_checksum("a")) == 6
    assert base62_checksum("") == "000000"


def _b64url(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")


def test_jwt() -> None:
    good = f"{_b64url({'alg': 'RS256', 'typ': 'JWT'})}.{_b64url({'sub': 'x'})}.c2lnbmF0dXJlc2lnbmF0dXJl"
    assert validate("jwt", good.encode())
    no_alg = f"{_b64url({'typ': 'JWT'})}.{_b64url({'sub': 'x'})}.c2lnbmF0dXJl"
    assert not validate("jwt", no_alg.encode())
    assert not validate("jwt", b"eyJhbGciOiJIUzI1NiJ9.notjson.sig")


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (base64.b64encode(b"deploy:Xk9#pl2Qz!").decode(), True),
        (base64.b64encode(b"deploy:changeme").decode(), False),
        (base64.b64encode(b"no-colon-here").decode(), False),
        (base64.b64encode(b"user:${PASSWORD}").decode(), False),
        ("!!!notbase64", False),
    ],
)
def test_base64_user_password(value: str, ok: bool) -> None:
    assert validate("base64-user-password", value.encode()) is ok


def test_fixed_length_base64() -> None:
    assert validate("base64-64-bytes", base64.b64encode(bytes(range(64))))
    assert not validate("base64-64-bytes", base64.b64encode(bytes(range(63))))
    assert validate("base64-32-bytes", base64.b64encode(bytes(32)))


def test_aws_secret_shape() -> None:
    assert validate("aws-secret-shape", b"Ll2nXk9pQ4r7Tz1mBc8vWd3sEf6gHj0kLm5nOp2q")
    assert not validate("aws-secret-shape", b"0123456789abcdef0123456789abcdef01234567")  # SHA-1 hex
    assert not validate("aws-secret-shape", b"ThisIsJustAVeryLongIdentifierName123456")


def test_unknown_or_missing_validator_accepts() -> None:
    assert validate(None, b"x")
    assert validate("no-such-validator", b"x")
