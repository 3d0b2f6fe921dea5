"""A real OCI registry for tests: Debian's ``docker-registry`` (CNCF distribution) on 127.0.0.1.

Three flavours:

- ``auth=None``: anonymous pulls and pushes;
- ``auth="htpasswd"``: HTTP basic auth against an htpasswd file (bcrypt line generated here);
- ``auth="token"``: the bearer-token flow. A tiny token server (:class:`TokenServer`, in this
  process) checks basic credentials and issues RS256 JWTs signed with a key whose self-signed
  certificate is the registry's ``rootcertbundle`` — the same protocol Docker Hub uses.

Images are pushed with ``skopeo copy`` from OCI layouts built by :mod:`tests._support.images`.
Every request the registry served is in its access log (:meth:`Registry.requests`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import http.server
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
SKOPEO_BIN = shutil.which("skopeo")

USERNAME = "bastion"
PASSWORD = "s3cret-pass"  # test-only credentials for the throwaway registries


def available() -> bool:
    return os.path.exists(REGISTRY_BIN) and os.access(REGISTRY_BIN, os.X_OK)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bcrypt_hash(password: str) -> str:
    """A bcrypt hash for htpasswd: the ``bcrypt`` package when installed, else libcrypt via ``crypt``."""
    try:
        import bcrypt

        return str(bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode())
    except ImportError:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt

        hashed = crypt.crypt(password, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16))
        if not hashed or not hashed.startswith("$2"):
            raise RuntimeError("no bcrypt implementation available (pip install bcrypt)") from None
        return hashed


# -- token server -------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenServer:
    """Issues registry bearer tokens (RS256 JWT with the certificate in ``x5c``)."""

    workdir: Path
    issuer: str = "bastion-test-issuer"
    service: str = "bastion-test-registry"
    port: int = field(default_factory=free_port)
    issued: int = 0
    refused: int = 0

    def __post_init__(self) -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import rsa
        from cryptography.x509.oid import NameOID

        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bastion test token signer")])
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )
        self.cert_path = self.workdir / "token-cert.pem"
        self.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._cert_der = cert.public_bytes(serialization.Encoding.DER)
        self._httpd: http.server.ThreadingHTTPServer | None = None

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def token(self, subject: str, scopes: list[str]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        access = []
        for scope in scopes:
            parts = scope.split(":")
            if len(parts) >= 3:
                kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
        now = int(time.time())
        header = {"alg": "RS256", "typ": "JWT", "x5c": [base64.b64encode(self._cert_der).decode()]}
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + 300,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64url(signature)}"

    def start(self) -> None:
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                url = urllib.parse.urlparse(self.path)
                query = urllib.parse.parse_qs(url.query)
                auth = self.headers.get("Authorization", "")
                user = None
                if auth.startswith("Basic "):
                    raw = base64.b64decode(auth[6:]).decode()
                    name, _, pw = raw.partition(":")
                    if name == USERNAME and pw == PASSWORD:
                        user = name
                    else:
                        server.refused += 1
                        self.send_response(401)
                        self.send_header("Content-Type", "application/json")
                        self.end_headers()
                        self.wfile.write(b'{"details":"incorrect username or password"}')
                        return
                scopes = query.get("scope", [])
                # anonymous users get a token without access (so pulls fail with insufficient scope)
                token = server.token(user or "", scopes if user else [])
                server.issued += 1
                body = json.dumps({"token": token, "access_token": token, "expires_in": 300}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, name="token-server", daemon=True).start()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None


# -- registry -----------------------------------------------------------------------------------------

_ACCESS_RE = re.compile(r'"(GET|HEAD|PUT|POST|PATCH|DELETE) (\S+) HTTP/[\d.]+" (\d{3})')


@dataclass
class Request:
    method: str
    path: str
    status: int


class Registry:
    """One ``docker-registry`` process with its own storage, config and log."""

    def __init__(self, workdir: Path, *, auth: str | None = None) -> None:
        self.workdir = workdir
        self.auth = auth
        self.port = free_port()
        self.storage = workdir / "storage"
        self.log_path = workdir / "registry.log"
        self.token_server: TokenServer | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _config(self) -> str:
        lines = [
            "version: 0.1",
            "log:",
            "  level: info",
            "  accesslog:",
            "    disabled: false",
            "storage:",
            "  filesystem:",
            f"    rootdirectory: {self.storage}",
            "  delete:",
            "    enabled: true",
            "  maintenance:",
            "    uploadpurging:",
            "      enabled: false",
            "http:",
            f"  addr: 127.0.0.1:{self.port}",
            f"  secret: {secrets.token_hex(16)}",
            "  headers:",
            "    X-Content-Type-Options: [nosniff]",
        ]
        if self.auth == "htpasswd":
            htpasswd = self.workdir / "htpasswd"
            htpasswd.write_text(f"{USERNAME}:{bcrypt_hash(PASSWORD)}\n")
            lines += ["auth:", "  htpasswd:", "    realm: bastion-test", f"    path: {htpasswd}"]
        elif self.auth == "token":
            ts = self.token_server = TokenServer(self.workdir)
            ts.start()
            lines += [
                "auth:",
                "  token:",
                f"    realm: {ts.realm}",
                f"    service: {ts.service}",
                f"    issuer: {ts.issuer}",
                f"    rootcertbundle: {ts.cert_path}",
            ]
        elif self.auth is not None:
            raise ValueError(self.auth)
        return "\n".join(lines) + "\n"

    def start(self) -> Registry:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.storage.mkdir(exist_ok=True)
        config = self.workdir / "config.yml"
        config.write_text(self._config())
        log = open(self.log_path, "wb")  # noqa: SIM115 - owned by the process for its lifetime
        self._proc = subprocess.Popen(
            [REGISTRY_BIN, "serve", str(config)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"docker-registry exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://{self.host}/v2/", timeout=1):
                    return self
            except urllib.error.HTTPError:
                return self  # 401: up, and asking for auth
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(
            f"docker-registry did not start on {self.host}: {self.log_path.read_text()[-2000:]}"
        )

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self.token_server is not None:
            self.token_server.stop()

    # -- content ------------------------------------------------------------------------------------
    def push(self, layout: Path, dest: str, *, tag: str | None = None, all_platforms: bool = False) -> None:
        """``skopeo copy oci:LAYOUT[:TAG] docker://HOST/DEST`` (credentials added when needed)."""
        if SKOPEO_BIN is None:
            raise RuntimeError("skopeo is not installed")
        src = f"oci:{layout}" + (f":{tag}" if tag else "")
        cmd = [
            SKOPEO_BIN,
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
            "--preserve-digests",
        ]
        if all_platforms:
            cmd.append("--all")
        if self.auth is not None:
            cmd += ["--dest-creds", f"{USERNAME}:{PASSWORD}"]
        cmd += [src, f"docker://{self.host}/{dest}"]
        env = {**os.environ, "HOME": str(self.workdir)}  # keep skopeo away from the user's auth files
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"skopeo push failed: {proc.stderr.strip()}")

    def blob_path(self, digest: str) -> Path:
        hexd = digest.split(":", 1)[1]
        return self.storage / "docker" / "registry" / "v2" / "blobs" / "sha256" / hexd[:2] / hexd / "data"

    def mark(self) -> None:
        """Forget the requests logged so far (see :meth:`requests`)."""
        self._log_offset = self.log_path.stat().st_size if self.log_path.exists() else 0

    def requests(self) -> list[Request]:
        """Requests served since the last :meth:`mark`, from the access log."""
        with open(self.log_path, "rb") as fh:
            fh.seek(self._log_offset)
            text = fh.read().decode("utf-8", "replace")
        return [Request(m.group(1), m.group(2), int(m.group(3))) for m in _ACCESS_RE.finditer(text)]


@contextlib.contextmanager
def running_registry(workdir: Path, *, auth: str | None = None) -> Iterator[Registry]:
    reg = Registry(workdir, auth=auth).start()
    try:
        yield reg
    finally:
        reg.stop()


class BlobRedirector:
    """A front for a :class:`Registry` that sends blob downloads elsewhere, like registries backed by
    object storage do: ``GET /v2/…/blobs/<digest>`` answers ``307`` to a second server (another origin)
    that serves the blob from the registry's storage. Everything else is proxied unchanged.
    ``storage_requests`` records (path, Authorization header or None) for every blob fetch."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.front_port = free_port()
        self.storage_port = free_port()
        self.storage_requests: list[tuple[str, str | None]] = []
        self._servers: list[http.server.ThreadingHTTPServer] = []

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.front_port}"

    def start(self) -> BlobRedirector:
        outer = self
        blob_re = re.compile(r"^/v2/.+/blobs/(sha256:[a-f0-9]{64})$")

        class Front(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return None

            def _proxy(self) -> None:
                m = blob_re.match(self.path)
                if m and self.command == "GET":
                    self.send_response(307)
                    self.send_header(
                        "Location", f"http://localhost:{outer.storage_port}/storage/{m.group(1)}?sig=test"
                    )
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("accept", "authorization")}
                req = urllib.request.Request(
                    f"http://{outer.registry.host}{self.path}", method=self.command, headers=headers
                )
                try:
                    with urllib.request.urlopen(req, timeout=30) as resp:
                        status, rheaders, body = resp.status, resp.headers, resp.read()
                except urllib.error.HTTPError as err:
                    status, rheaders, body = err.code, err.headers, err.read()
                self.send_response(status)
                for key, value in rheaders.items():
                    if key.lower() not in ("connection", "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            do_GET = _proxy
            do_HEAD = _proxy

        class Storage(http.server.BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return None

            def do_GET(self) -> None:
                path = urllib.parse.urlparse(self.path).path
                outer.storage_requests.append((path, self.headers.get("Authorization")))
                digest = path.rsplit("/", 1)[-1]
                blob = outer.registry.blob_path(digest)
                if not blob.is_file():
                    self.send_response(404)
                    self.end_headers()
                    return
                data = blob.read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        for port, handler in ((self.front_port, Front), (self.storage_port, Storage)):
            server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()
