"""Keys and certificates: type, size, encryption, expiry, weak keys and signatures, PKCS#12, DER."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from bastion.detectors.secrets.keys import (
    analyze_certificate,
    analyze_der_private_key,
    analyze_pkcs12,
    analyze_private_key,
    certificate_problems,
    pgp_block_is_secret_key,
)

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture(scope="module")
def rsa1024() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def _pem(
    key: object, fmt: serialization.PrivateFormat, enc: serialization.KeySerializationEncryption | None = None
) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, fmt, enc or serialization.NoEncryption())  # type: ignore[attr-defined,no-any-return]


def test_key_types_and_sizes(rsa1024: rsa.RSAPrivateKey) -> None:
    info = analyze_private_key(_pem(rsa1024, serialization.PrivateFormat.TraditionalOpenSSL))
    assert (info.key_type, info.key_size, info.encrypted, info.parsed) == ("RSA", 1024, False, True)
    assert info.weak == "RSA key of 1024 bits (< 2048)"
    ec_info = analyze_private_key(
        _pem(ec.generate_private_key(ec.SECP384R1()), serialization.PrivateFormat.PKCS8)
    )
    assert (ec_info.key_type, ec_info.key_size, ec_info.weak) == ("EC", 384, None)
    ed = analyze_private_key(_pem(ed25519.Ed25519PrivateKey.generate(), serialization.PrivateFormat.OpenSSH))
    assert ed.key_type == "Ed25519" and ed.plausible
    d = analyze_private_key(_pem(dsa.generate_private_key(key_size=1024), serialization.PrivateFormat.PKCS8))
    assert d.key_type == "DSA" and d.weak is not None


def test_encrypted_keys(rsa1024: rsa.RSAPrivateKey) -> None:
    enc = serialization.BestAvailableEncryption(b"pw")
    for fmt in (
        serialization.PrivateFormat.PKCS8,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.PrivateFormat.OpenSSH,
    ):
        info = analyze_private_key(_pem(rsa1024, fmt, enc))
        assert info.plausible and info.encrypted, fmt


def test_keys_in_code_strings_parse(rsa1024: rsa.RSAPrivateKey) -> None:
    pem = _pem(rsa1024, serialization.PrivateFormat.PKCS8)
    assert analyze_private_key(pem.replace(b"\n", b"\\n")).parsed
    concat = b"\n".join(b'    "' + ln + b'\\n" +' for ln in pem.strip().split(b"\n"))
    assert analyze_private_key(concat).parsed


def test_look_alikes_are_not_keys() -> None:
    fake = (
        b"-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA...your key here...\n-----END RSA PRIVATE KEY-----"
    )
    assert not analyze_private_key(fake).plausible
    text = (
        b"-----BEGIN PRIVATE KEY-----\n"
        + b"SGVsbG8gd29ybGQsIHRoaXMgaXMgbm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0Lg==\n"
        + b"-----END PRIVATE KEY-----"
    )
    assert not analyze_private_key(text).plausible  # decodes, but not DER


def _cert(
    key: rsa.RSAPrivateKey, days: int, algo: hashes.HashAlgorithm, *, self_signed: bool = False
) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "svc.acme.io")])
    issuer = name if self_signed else x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Acme CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(1234)
        .not_valid_before(NOW - timedelta(days=400))
        .not_valid_after(NOW + timedelta(days=days))
        .sign(key, algo)
    )
    return cert.public_bytes(serialization.Encoding.PEM)


def test_certificate_problems(rsa1024: rsa.RSAPrivateKey) -> None:
    strong = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ok = analyze_certificate(_cert(strong, 365, hashes.SHA256()))
    assert ok is not None and certificate_problems(ok, NOW) == []
    expired = analyze_certificate(_cert(strong, -3, hashes.SHA256()))
    assert expired is not None
    assert [p.rule for p in certificate_problems(expired, NOW)] == ["certificate-expired"]
    soon = analyze_certificate(_cert(strong, 10, hashes.SHA256()))
    assert soon is not None
    assert [p.rule for p in certificate_problems(soon, NOW)] == ["certificate-expiring"]
    assert certificate_problems(soon, NOW, expiring_days=5) == []
    weak = analyze_certificate(_cert(rsa1024, 365, hashes.SHA256()))
    assert weak is not None
    assert {p.rule for p in certificate_problems(weak, NOW)} == {"certificate-weak-key"}
    # This OpenSSL refuses to *make* SHA-1 signatures, so the signature check runs on the parsed values.
    sha1 = dataclasses.replace(ok, signature_hash="sha1")
    assert [p.rule for p in certificate_problems(sha1, NOW)] == ["certificate-weak-signature"]
    # a self-signed root's own signature algorithm does not matter
    root = dataclasses.replace(ok, signature_hash="sha1", self_signed=True)
    assert certificate_problems(root, NOW) == []


def test_der_certificate_and_key(rsa1024: rsa.RSAPrivateKey) -> None:
    pem = _cert(rsa1024, 365, hashes.SHA256())
    der = x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)
    info = analyze_certificate(der)
    assert info is not None and info.key_size == 1024
    key_der = rsa1024.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    k = analyze_der_private_key(key_der)
    assert k is not None and (k.key_type, k.key_size) == ("RSA", 1024)
    assert analyze_der_private_key(b"not der") is None


def test_pkcs12(rsa1024: rsa.RSAPrivateKey) -> None:
    open_p12 = pkcs12.serialize_key_and_certificates(
        b"svc", rsa1024, None, None, serialization.NoEncryption()
    )
    info = analyze_pkcs12(open_p12)
    assert info.valid and not info.protected and info.key is not None and info.key.key_type == "RSA"
    locked = pkcs12.serialize_key_and_certificates(
        b"svc", rsa1024, None, None, serialization.BestAvailableEncryption(b"pw")
    )
    info = analyze_pkcs12(locked)
    assert info.valid and info.protected
    assert not analyze_pkcs12(b"garbage").valid


def test_pgp_secret_key_packet_tag() -> None:
    import base64

    def block(first: bytes) -> bytes:
        body = base64.b64encode(first + bytes(200)).decode()
        return f"-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: x\n\n{body}\n=abcd\n-----END PGP PRIVATE KEY BLOCK-----".encode()

    assert pgp_block_is_secret_key(block(b"\xc5\xff"))  # new format, tag 5
    assert pgp_block_is_secret_key(block(b"\x95\x01"))  # old format, tag 5
    assert not pgp_block_is_secret_key(block(b"\xc6\xff"))  # tag 6: a public key
