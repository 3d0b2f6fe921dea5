"""Keys and certificates, read with the ``cryptography`` library.

- :func:`analyze_private_key`: the type (RSA, EC, Ed25519, DSA …), size and whether a PEM/OpenSSH
  private key is encrypted. A block that is neither parseable nor structurally a key (DER that starts
  with a SEQUENCE, ``openssh-key-v1``) is a look-alike (``<your key here>``, a truncated example) and
  not reported.
- :func:`analyze_certificate`: subject, validity, key and signature algorithm of a PEM/DER certificate.
- :func:`certificate_problems`: expired and soon-to-expire certificates, weak keys (RSA < 2048, DSA)
  and weak signatures (MD5, SHA-1) — each becomes a finding.
- :func:`analyze_pkcs12`: whether a ``.p12``/``.pfx`` opens without a password.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import ParamSpec, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.serialization import pkcs12

__all__ = [
    "CertInfo",
    "KeyInfo",
    "analyze_certificate",
    "analyze_der_private_key",
    "analyze_pkcs12",
    "analyze_private_key",
    "certificate_problems",
    "clean_pem",
    "pgp_block_is_secret_key",
]


@dataclass(frozen=True, slots=True)
class KeyInfo:
    plausible: bool
    parsed: bool = False
    key_type: str = "unknown"
    key_size: int | None = None
    encrypted: bool = False
    reason: str = ""

    @property
    def weak(self) -> str | None:
        """Why the key is weak, or None."""
        if self.key_type == "DSA":
            return "DSA keys are deprecated (FIPS 186-5)"
        if self.key_type == "RSA" and self.key_size is not None and self.key_size < 2048:
            return f"RSA key of {self.key_size} bits (< 2048)"
        if self.key_type == "EC" and self.key_size is not None and self.key_size < 224:
            return f"EC key of {self.key_size} bits (< 224)"
        return None

    def extra(self) -> dict[str, str]:
        out = {"key_type": self.key_type, "encrypted": "true" if self.encrypted else "false"}
        if self.key_size is not None:
            out["key_size"] = str(self.key_size)
        if not self.parsed:
            out["parsed"] = "false"
        return out


_HEADER_RE = re.compile(rb"-----BEGIN ([A-Z0-9 ]{1,60})-----")
#: String-literal syntax around a PEM line in code: a leading ``+ "`` or quote, a trailing quote with
#: ``+``, ``,``, ``;`` or ``)`` after it. Base64's own ``+`` and ``=`` are left alone.
_LEAD = re.compile(rb"^(?:\+\s*)?[\"']")
_TRAIL = re.compile(rb"[\"']\s*[+,;)]?\s*$")
_PUNCT = re.compile(rb"[\"'+,;()\s]+")


def clean_pem(block: bytes) -> bytes:
    """A PEM block as it appears in code or config (``\\n`` escapes, indentation, quotes, string
    concatenation) turned back into plain PEM."""
    text = block.replace(b"\\r", b"").replace(b"\\n", b"\n").replace(b"\r", b"")
    lines: list[bytes] = []
    last_header = -1
    for raw in text.split(b"\n"):
        line = _LEAD.sub(b"", raw.strip())
        line = _TRAIL.sub(b"", line).strip()
        if not line or _PUNCT.fullmatch(line):
            continue  # blank, or what is left of string concatenation (`" +`)
        if b": " in line and not line.startswith(b"-----"):
            last_header = len(lines)
        lines.append(line)
    if last_header >= 0:
        lines.insert(last_header + 1, b"")  # RFC 1421 headers end with a blank line
    return b"\n".join(lines) + b"\n"


def _key_desc(key: object) -> tuple[str, int | None]:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPrivateKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PrivateKey):
        return "Ed448", 456
    if isinstance(key, x25519.X25519PrivateKey):
        return "X25519", 256
    if isinstance(key, x448.X448PrivateKey):
        return "X448", 448
    return type(key).__name__, None


def _type_from_header(label: bytes) -> str:
    label = label.upper()
    for name, key_type in ((b"RSA", "RSA"), (b"EC", "EC"), (b"DSA", "DSA"), (b"OPENSSH", "OpenSSH")):
        if label.startswith(name):
            return key_type
    return "unknown"


def _body(pem: bytes) -> bytes | None:
    lines = [ln for ln in pem.split(b"\n") if ln and not ln.startswith(b"-----") and b":" not in ln]
    try:
        return base64.b64decode(b"".join(lines), validate=True)
    except (binascii.Error, ValueError):
        return None


P = ParamSpec("P")
R = TypeVar("R")


def _quiet(fn: Callable[P, R]) -> Callable[P, R]:
    """cryptography warns about what it parses (deprecated DSA keys, negative serial numbers …). Those
    warnings describe the scanned files, which findings already do; they must not clutter stderr."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs)

    return wrapper


@functools.lru_cache(maxsize=256)
@_quiet
def analyze_private_key(block: bytes) -> KeyInfo:
    pem = clean_pem(block)
    m = _HEADER_RE.search(pem)
    label = m.group(1) if m else b""
    encrypted_header = b"ENCRYPTED" in pem[:200] or label.startswith(b"ENCRYPTED")
    key: object
    try:
        if label == b"OPENSSH PRIVATE KEY":
            key = serialization.load_ssh_private_key(pem, password=None)
        else:
            # The RSA consistency check costs ~0.1 s per key; a scanner only reads the key's shape.
            key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=True)
    except TypeError:
        # "Password was not given but private key is encrypted": structurally a key.
        key_type = _type_from_header(label)
        return KeyInfo(True, parsed=True, key_type=key_type, encrypted=True)
    except (ValueError, binascii.Error) as exc:
        return _structural(pem, label, encrypted_header, str(exc))
    except Exception as exc:  # cryptography raises UnsupportedAlgorithm and friends
        return _structural(pem, label, encrypted_header, f"{type(exc).__name__}: {exc}")
    key_type, size = _key_desc(key)
    return KeyInfo(True, parsed=True, key_type=key_type, key_size=size, encrypted=False)


@_quiet
def analyze_der_private_key(data: bytes) -> KeyInfo | None:
    """A binary (DER) private key: PKCS#8 or traditional; None when ``data`` is not one."""
    if data[:1] != b"\x30":
        return None
    try:
        key = serialization.load_der_private_key(data, password=None, unsafe_skip_rsa_key_validation=True)
    except TypeError:
        return KeyInfo(True, parsed=True, key_type="unknown", encrypted=True)
    except Exception:
        return None
    key_type, size = _key_desc(key)
    return KeyInfo(True, parsed=True, key_type=key_type, key_size=size)


def _structural(pem: bytes, label: bytes, encrypted: bool, reason: str) -> KeyInfo:
    """Unparseable: keep it only if the body is a DER SEQUENCE or an OpenSSH key blob."""
    body = _body(pem)
    if body is None or len(body) < 48:
        return KeyInfo(False, reason=f"not a key: {reason}")
    if label == b"OPENSSH PRIVATE KEY":
        if not body.startswith(b"openssh-key-v1\x00"):
            return KeyInfo(False, reason="not an OpenSSH key blob")
        encrypted = b"none" not in body[15:60]
        return KeyInfo(True, key_type="OpenSSH", encrypted=encrypted, reason=reason)
    if body[0] != 0x30:
        return KeyInfo(False, reason="body is not DER")
    return KeyInfo(True, key_type=_type_from_header(label), encrypted=encrypted, reason=reason)


def pgp_block_is_secret_key(block: bytes) -> bool:
    """An armoured PGP block whose first packet is a secret key (tag 5) or secret subkey (tag 7)."""
    lines = clean_pem(block).split(b"\n")
    body: list[bytes] = []
    in_body = False
    for ln in lines[1:]:
        if ln.startswith(b"-----END"):
            break
        if not in_body:
            if b":" in ln:
                continue  # armour header (Version:, Comment:)
            in_body = True
        if ln.startswith(b"="):
            break  # CRC24 line
        body.append(ln)
    try:
        raw = base64.b64decode(b"".join(body), validate=True)
    except (binascii.Error, ValueError):
        return False
    if len(raw) < 32:
        return False
    first = raw[0]
    if not first & 0x80:
        return False
    tag = first & 0x3F if first & 0x40 else (first >> 2) & 0x0F
    return tag in (5, 7)


# -- certificates -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CertInfo:
    subject: str
    issuer: str
    not_before: datetime
    not_after: datetime
    self_signed: bool
    is_ca: bool
    key_type: str
    key_size: int | None
    signature_hash: str | None
    sha256: str


def _public_key_desc(cert: x509.Certificate) -> tuple[str, int | None]:
    key = cert.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def _load_cert(data: bytes) -> x509.Certificate | None:
    try:
        if b"-----BEGIN CERTIFICATE-----" in data[:200]:
            return x509.load_pem_x509_certificate(clean_pem(data))
        return x509.load_der_x509_certificate(data)
    except (ValueError, TypeError):
        return None
    except Exception:
        return None


@_quiet
def analyze_certificate(data: bytes) -> CertInfo | None:
    cert = _load_cert(data)
    if cert is None:
        return None
    # cryptography parses certificates lazily: real-world certificates with duplicate extensions,
    # unsupported name types or unknown key algorithms raise only when a field is read. Each field
    # falls back on its own; a certificate without readable validity dates is not analysed at all.
    try:
        is_ca = bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except Exception:  # ExtensionNotFound, DuplicateExtension, UnsupportedGeneralNameType, ValueError …
        is_ca = False
    try:
        key_type, size = _public_key_desc(cert)
    except Exception:  # UnsupportedAlgorithm, ValueError
        key_type, size = "unknown", None
    try:
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
        fingerprint = cert.fingerprint(hashes.SHA256()).hex()
    except Exception:
        return None
    try:
        sig = cert.signature_hash_algorithm
        sig_name = sig.name if sig is not None else None
    except Exception:
        sig_name = None
    try:
        subject = cert.subject.rfc4514_string()
        issuer = cert.issuer.rfc4514_string()
        self_signed = cert.subject == cert.issuer
    except Exception:
        subject = issuer = "?"
        self_signed = False
    return CertInfo(
        subject=subject[:200],
        issuer=issuer[:200],
        not_before=not_before,
        not_after=not_after,
        self_signed=self_signed,
        is_ca=is_ca,
        key_type=key_type,
        key_size=size,
        signature_hash=sig_name,
        sha256=fingerprint,
    )


@dataclass(frozen=True, slots=True)
class CertProblem:
    rule: str  # certificate-expired, certificate-expiring, certificate-weak-key, certificate-weak-signature
    message: str


def certificate_problems(info: CertInfo, now: datetime, expiring_days: int = 30) -> list[CertProblem]:
    out: list[CertProblem] = []
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    if info.not_after < now:
        out.append(CertProblem("certificate-expired", f"expired on {info.not_after.date().isoformat()}"))
    elif info.not_after < now + timedelta(days=expiring_days):
        days = (info.not_after - now).days
        out.append(
            CertProblem(
                "certificate-expiring",
                f"expires on {info.not_after.date().isoformat()} (in {days} days)",
            )
        )
    if info.key_type == "RSA" and info.key_size is not None and info.key_size < 2048:
        out.append(CertProblem("certificate-weak-key", f"RSA key of {info.key_size} bits (< 2048)"))
    elif info.key_type == "DSA":
        out.append(CertProblem("certificate-weak-key", "DSA key"))
    if info.signature_hash in ("md5", "sha1") and not info.self_signed:
        out.append(CertProblem("certificate-weak-signature", f"signed with {info.signature_hash.upper()}"))
    return out


# -- PKCS#12 ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pkcs12Info:
    valid: bool
    protected: bool
    key: KeyInfo | None = None


@_quiet
def analyze_pkcs12(data: bytes) -> Pkcs12Info:
    for password in (None, b""):
        try:
            key, _cert, _extra = pkcs12.load_key_and_certificates(data, password)
        except ValueError as exc:
            if "password" in str(exc).lower() or "mac" in str(exc).lower():
                continue
            return Pkcs12Info(valid=False, protected=False)
        except Exception:
            return Pkcs12Info(valid=False, protected=False)
        info = None
        if key is not None:
            key_type, size = _key_desc(key)
            info = KeyInfo(True, parsed=True, key_type=key_type, key_size=size)
        return Pkcs12Info(valid=True, protected=False, key=info)
    # Every attempt failed on the password: a real, protected container (the DER starts with SEQUENCE).
    return Pkcs12Info(valid=data[:1] == b"\x30", protected=True)
