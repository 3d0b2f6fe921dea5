"""A small OCI distribution-spec client (pull only) over httpx.

Manifests (OCI and Docker schema 2, images and indexes), blobs, anonymous pulls, HTTP basic auth and
the bearer-token challenge flow (``WWW-Authenticate: Bearer realm=…,service=…,scope=…``), plain HTTP
for ``--insecure`` registries, redirects to blob storage. Everything fetched by digest is verified
against that digest before anyone sees it.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from bastion import __version__
from bastion.errors import AuthError, DigestMismatchError, ManifestUnknownError, RegistryError
from bastion.progress import NULL_PROGRESS, ProgressSink
from bastion.targets.image.auth import Challenge, Credentials, find_credentials, parse_challenges
from bastion.targets.image.cache import BlobCache
from bastion.targets.image.manifest import ACCEPT, MAX_DOCUMENT_BYTES, sha256_digest
from bastion.targets.image.reference import RegistryRef

_RETRY_STATUS = frozenset({500, 502, 503, 504})


@dataclass
class RequestStats:
    """What the client did; tests and ``--debug`` output read it."""

    requests: int = 0
    manifest_gets: int = 0
    manifest_heads: int = 0
    blob_downloads: int = 0
    bytes_downloaded: int = 0
    token_requests: int = 0


@dataclass(frozen=True, slots=True)
class FetchedManifest:
    data: bytes
    media_type: str | None
    digest: str


class RegistryClient:
    """Pull-side client for one registry host. Thread-safe for concurrent blob downloads."""

    def __init__(
        self,
        registry: str,
        endpoint: str,
        *,
        insecure: bool = False,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 300.0,
        progress: ProgressSink = NULL_PROGRESS,
    ) -> None:
        self.registry = registry
        self.endpoint = endpoint
        self.insecure = insecure
        self.progress = progress
        self.stats = RequestStats()
        self._credentials: Credentials | None = find_credentials(
            registry, username=username, password=password
        )
        self._tokens: dict[str, str] = {}
        self._basic = False
        self._lock = threading.Lock()
        self._base: str | None = None
        self._timeout = timeout
        self._http: httpx.Client | None = None

    @property
    def _client(self) -> httpx.Client:
        if self._http is None:
            self._http = httpx.Client(
                timeout=httpx.Timeout(self._timeout, connect=min(self._timeout, 30.0)),
                follow_redirects=True,
                verify=not self.insecure,
                headers={"User-Agent": f"bastion/{__version__}"},
            )
        return self._http

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- connection -------------------------------------------------------------------------------
    def _base_url(self) -> str:
        if self._base is not None:
            return self._base
        schemes = ["https", "http"] if self.insecure else ["https"]
        last: Exception | None = None
        for scheme in schemes:
            base = f"{scheme}://{self.endpoint}"
            try:
                self.stats.requests += 1
                self._client.get(f"{base}/v2/")
                self._base = base
                return base
            except httpx.TransportError as exc:
                last = exc
        hint = "check the address and that the registry is running"
        if not self.insecure:
            hint += "; for a plain-HTTP registry pass --insecure"
        raise RegistryError(
            f"{self.registry}: cannot reach the registry at {self.endpoint}: {_reason(last)}", hint=hint
        )

    # -- auth -------------------------------------------------------------------------------------
    def _auth_headers(self, scope: str) -> dict[str, str]:
        token = self._tokens.get(scope)
        if token is not None:
            return {"Authorization": f"Bearer {token}"}
        if self._basic and self._credentials is not None:
            return {"Authorization": _basic_header(self._credentials)}
        return {}

    def _authenticate(self, challenges: list[Challenge], scope: str, what: str) -> None:
        for ch in challenges:
            if ch.scheme == "bearer":
                self._tokens[scope] = self._fetch_token(ch, scope, what)
                return
        for ch in challenges:
            if ch.scheme == "basic":
                if self._credentials is None:
                    raise AuthError(
                        f"{what}: {self.registry} requires credentials",
                        hint="pass --username/--password (BASTION_REGISTRY_USERNAME/PASSWORD) or run `docker login`",
                    )
                if self._basic:
                    raise self._rejected(what)
                self._basic = True
                return
        raise AuthError(
            f"{what}: {self.registry} asked for an unsupported authentication scheme ({', '.join(c.scheme for c in challenges) or 'none'})"
        )

    def _rejected(self, what: str) -> AuthError:
        if self._credentials is None:
            return AuthError(
                f"{what}: {self.registry} denied anonymous access (the repository is private or does not exist)",
                hint="pass --username/--password (BASTION_REGISTRY_USERNAME/PASSWORD) or run `docker login`",
            )
        return AuthError(
            f"{what}: {self.registry} rejected the credentials for user {self._credentials.username!r} (from {self._credentials.source})",
            hint="check the user name and password or token",
        )

    def _fetch_token(self, ch: Challenge, scope: str, what: str) -> str:
        realm = ch.params.get("realm")
        if not realm:
            raise AuthError(f"{what}: {self.registry} sent a bearer challenge without a realm")
        params = {"scope": ch.params.get("scope") or scope}
        if ch.params.get("service"):
            params["service"] = ch.params["service"]
        auth = (
            httpx.BasicAuth(self._credentials.username, self._credentials.password)
            if self._credentials
            else None
        )
        self.stats.token_requests += 1
        self.stats.requests += 1
        try:
            resp = (
                self._client.get(realm, params=params, auth=auth)
                if auth
                else self._client.get(realm, params=params)
            )
        except httpx.TransportError as exc:
            raise RegistryError(
                f"{what}: cannot reach the token server {realm} of {self.registry}: {_reason(exc)}"
            ) from None
        if resp.status_code in (401, 403):
            raise self._rejected(what)
        if resp.status_code != 200:
            raise AuthError(
                f"{what}: token server {realm} of {self.registry} answered HTTP {resp.status_code}"
            )
        try:
            doc = resp.json()
        except ValueError:
            raise AuthError(f"{what}: token server {realm} of {self.registry} sent no JSON") from None
        token = doc.get("token") or doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token:
            raise AuthError(f"{what}: token server {realm} of {self.registry} sent no token")
        return token

    # -- requests ---------------------------------------------------------------------------------
    @contextmanager
    def _send(
        self, method: str, path: str, *, scope: str, what: str, headers: dict[str, str] | None = None
    ) -> Iterator[httpx.Response]:
        """Send with auth (answering one challenge), retries on 5xx/transport errors; yields a streamed response."""
        url = self._base_url() + path
        attempts = 0
        challenged = False
        while True:
            attempts += 1
            hdrs = dict(headers or {})
            with self._lock:
                hdrs.update(self._auth_headers(scope))
            self.stats.requests += 1
            try:
                request = self._client.build_request(method, url, headers=hdrs)
                resp = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                if attempts < 3:
                    time.sleep(0.5 * attempts)
                    continue
                raise RegistryError(
                    f"{what}: {self.registry} timed out ({_reason(exc)})",
                    hint="raise --timeout for slow registries",
                ) from None
            except httpx.TransportError as exc:
                if attempts < 3:
                    time.sleep(0.5 * attempts)
                    continue
                raise RegistryError(f"{what}: connection to {self.registry} failed: {_reason(exc)}") from None
            try:
                if resp.status_code == 401:
                    resp.read()
                    if challenged:
                        raise self._rejected(what)
                    challenged = True
                    with self._lock:
                        self._tokens.pop(scope, None)
                        self._authenticate(
                            parse_challenges(resp.headers.get("www-authenticate", "")), scope, what
                        )
                    continue
                if resp.status_code in _RETRY_STATUS and attempts < 3:
                    resp.read()
                    time.sleep(0.5 * attempts)
                    continue
                yield resp
                return
            finally:
                resp.close()

    def _raise_for(self, resp: httpx.Response, what: str, ref: RegistryRef) -> None:
        if resp.status_code < 400:
            return
        body = resp.read()[:65536]
        codes = _error_codes(body)
        if (
            resp.status_code == 404
            or "MANIFEST_UNKNOWN" in codes
            or "NAME_UNKNOWN" in codes
            or "BLOB_UNKNOWN" in codes
        ):
            if "NAME_UNKNOWN" in codes:
                raise ManifestUnknownError(
                    f"{ref}: repository {ref.repository!r} not found on {self.registry}"
                )
            raise ManifestUnknownError(
                f"{ref}: {what} not found on {self.registry}",
                hint="check the tag or digest (e.g. with skopeo list-tags)",
            )
        if resp.status_code == 403 or "DENIED" in codes:
            raise AuthError(
                f"{ref}: {self.registry} denied access to {what}"
                + (f" for user {self._credentials.username!r}" if self._credentials else "")
            )
        if resp.status_code == 429 or "TOOMANYREQUESTS" in codes:
            raise RegistryError(
                f"{ref}: {self.registry} rate-limited the request (HTTP 429)",
                hint="authenticate to raise the limit, or retry later",
            )
        raise RegistryError(
            f"{ref}: {self.registry} answered HTTP {resp.status_code} for {what}"
            + (f" ({', '.join(codes)})" if codes else "")
        )

    # -- API --------------------------------------------------------------------------------------
    def head_manifest(self, ref: RegistryRef) -> str | None:
        """The digest a tag points at (``Docker-Content-Digest``), or None when the registry does not say."""
        scope = f"repository:{ref.repository}:pull"
        self.stats.manifest_heads += 1
        with self._send(
            "HEAD",
            f"/v2/{ref.repository}/manifests/{ref.reference}",
            scope=scope,
            what=f"manifest {ref.reference}",
            headers={"Accept": ACCEPT},
        ) as resp:
            if resp.status_code == 405:
                return None
            self._raise_for(resp, f"manifest {ref.reference}", ref)
            digest = resp.headers.get("docker-content-digest")
        return digest if digest and digest.startswith("sha256:") else None

    def get_manifest(self, ref: RegistryRef, reference: str) -> FetchedManifest:
        """GET a manifest or index by tag or digest; by digest it is verified, by tag its digest is computed."""
        scope = f"repository:{ref.repository}:pull"
        self.stats.manifest_gets += 1
        what = f"manifest {reference}"
        with self._send(
            "GET",
            f"/v2/{ref.repository}/manifests/{reference}",
            scope=scope,
            what=what,
            headers={"Accept": ACCEPT},
        ) as resp:
            self._raise_for(resp, what, ref)
            chunks = []
            total = 0
            for chunk in resp.iter_bytes():
                total += len(chunk)
                if total > MAX_DOCUMENT_BYTES:
                    raise RegistryError(f"{ref}: {what} is larger than {MAX_DOCUMENT_BYTES} bytes; refused")
                chunks.append(chunk)
            data = b"".join(chunks)
            media_type = resp.headers.get("content-type", "").split(";")[0].strip() or None
            header_digest = resp.headers.get("docker-content-digest")
        actual = sha256_digest(data)
        expected = reference if reference.startswith("sha256:") else header_digest
        if reference.startswith("sha256:") and actual != reference:
            raise DigestMismatchError(
                f"{ref.name}@{reference}: manifest content digest mismatch: expected {reference}, got {actual}",
                hint="the registry served corrupt or tampered content",
            )
        if expected and expected.startswith("sha256:") and actual != expected:
            raise DigestMismatchError(
                f"{ref}: manifest content does not match the Docker-Content-Digest the registry announced ({expected} vs {actual})"
            )
        return FetchedManifest(data=data, media_type=media_type, digest=actual)

    def fetch_blob(
        self, ref: RegistryRef, digest: str, size: int, cache: BlobCache, *, label: str = ""
    ) -> None:
        """Download a blob into the cache (verified, atomically renamed)."""
        scope = f"repository:{ref.repository}:pull"
        what = f"blob {digest}"
        key = f"pull:{digest}"
        self.progress.start(key, label or f"pull {digest[7:19]}", size or None)
        try:
            with self._send("GET", f"/v2/{ref.repository}/blobs/{digest}", scope=scope, what=what) as resp:
                self._raise_for(resp, what, ref)
                self.stats.blob_downloads += 1
                with cache.writer(digest, source=f"{ref.name}@{digest} (from {self.registry})") as out:
                    for chunk in resp.iter_bytes(1 << 20):
                        out.write(chunk)
                        self.stats.bytes_downloaded += len(chunk)
                        self.progress.advance(key, len(chunk))
        except httpx.TransportError as exc:
            raise RegistryError(
                f"{ref}: download of {what} from {self.registry} failed: {_reason(exc)}"
            ) from None
        finally:
            self.progress.finish(key)


def _basic_header(creds: Credentials) -> str:
    raw = f"{creds.username}:{creds.password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _reason(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    text = str(exc) or type(exc).__name__
    return text


def _error_codes(body: bytes) -> list[str]:
    try:
        doc = json.loads(body)
    except ValueError:
        return []
    errors = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errors, list):
        return []
    return [str(e.get("code")) for e in errors if isinstance(e, dict) and e.get("code")]
