"""The source interface: one module per advisory feed, all fetched through one :class:`Fetcher`.

A source reads its files through the fetcher and writes into a :class:`~bastion.vulndb.store.DbBuilder`
(a temporary database file); it never touches the live database. Where the files come from is the
fetcher's business:

- no mirror: the official URL of each file (``https://osv-vulnerabilities.storage.googleapis.com/
  PyPI/all.zip`` …), with conditional requests (ETag / Last-Modified) so unchanged files are not
  downloaded again;
- a mirror (``bastion db update --from DIR|URL``): the same files laid out under one root, as
  ``osv/<Ecosystem>/all.zip``, ``alpine/<branch>/<repo>.yaml``, ``debian/*.json[.gz]``,
  ``kev/known_exploited_vulnerabilities.json`` and ``epss/epss_scores-current.csv.gz``. A
  ``SHA256SUMS`` file at the mirror root (``sha256sum`` format) is honoured: a listed file whose
  bytes differ aborts the update.

Adding a feed (Ubuntu OVAL/OSV, Red Hat VEX/OVAL …) is one module with a class that has ``name``,
``kind`` and ``update(ctx)``, plus one line in :data:`bastion.vulndb.sources.SOURCES`. The
detector needs nothing new as long as the source emits OSV-shaped advisories whose ``affected``
ecosystems are the OSV strings the detector derives from the scanned OS (``Ubuntu:22.04:LTS``,
``Red Hat:enterprise_linux:9``); see ``docs/vulndb.md`` "Adding a source".
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol
from urllib.parse import unquote, urlparse

from bastion.vulndb.base import ChecksumError, FetchError, IngestReport
from bastion.vulndb.store import DbBuilder

__all__ = ["Fetched", "Fetcher", "Source", "SourceResult", "UpdateContext"]

#: Refuse downloads larger than this (the largest OSV dump, Debian, is a few hundred MB).
MAX_DOWNLOAD = 2 * 1024**3


@dataclass
class Fetched:
    path: Path
    location: str
    sha256: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class SourceResult:
    """What one source did in one update."""

    name: str
    status: str  # "updated", "unchanged", "not available", "skipped"
    message: str = ""
    report: IngestReport | None = None


class Fetcher:
    """Resolves a file of a feed to local bytes: from a mirror directory or URL, or the official URL."""

    def __init__(
        self,
        mirror: str | Path | None = None,
        *,
        offline: bool = False,
        timeout: float = 60.0,
        workdir: Path | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.offline = offline
        self.timeout = timeout
        self.log = log or (lambda _msg: None)
        self._own_workdir = workdir is None
        self.workdir = workdir or Path(tempfile.mkdtemp(prefix="bastion-db-"))
        self.mirror_dir: Path | None = None
        self.mirror_url: str | None = None
        if mirror is not None:
            text = str(mirror)
            parsed = urlparse(text)
            if parsed.scheme == "file":
                self.mirror_dir = Path(unquote(parsed.path))
            elif parsed.scheme in ("http", "https"):
                self.mirror_url = text.rstrip("/")
            else:
                self.mirror_dir = Path(text)
            if self.mirror_dir is not None and not self.mirror_dir.is_dir():
                raise FetchError(f"{self.mirror_dir}: mirror directory does not exist")
        self._sums: dict[str, str] | None = None
        self._client: object | None = None

    @property
    def is_mirror(self) -> bool:
        return self.mirror_dir is not None or self.mirror_url is not None

    def describe(self) -> str:
        if self.mirror_dir is not None:
            return str(self.mirror_dir)
        if self.mirror_url is not None:
            return self.mirror_url
        return "official sources"

    def close(self) -> None:
        client = self._client
        if client is not None:
            client.close()  # type: ignore[attr-defined]
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # -- listing (mirror directories only) ------------------------------------------------------

    def list_dir(self, rel: str) -> list[str] | None:
        """Entries of a mirror directory, or None when the mirror cannot be listed (URL, official)."""
        if self.mirror_dir is None:
            return None
        d = self.mirror_dir / rel
        if not d.is_dir():
            return []
        return sorted(p.name for p in d.iterdir())

    # -- fetching -------------------------------------------------------------------------------

    def fetch(
        self, rel: str, official: str | None, *, known: dict[str, str | None] | None = None
    ) -> Fetched | None:
        """The file ``rel`` of the mirror, or ``official`` without one. None when it does not exist
        there (404 / missing file) or, with ``known`` state, when the server says it is unchanged."""
        if self.mirror_dir is not None:
            path = self.mirror_dir / rel
            if not path.is_file():
                return None
            digest = _sha256_file(path)
            self._verify(rel, digest, str(path))
            return Fetched(path, str(path), digest)
        if self.mirror_url is not None:
            got = self._download(f"{self.mirror_url}/{rel}", None)
            if got is not None:
                self._verify(rel, got.sha256, got.location)
            return got
        if official is None:
            return None
        return self._download(official, known)

    def _verify(self, rel: str, digest: str, where: str) -> None:
        sums = self._checksums()
        expected = sums.get(rel)
        if expected is not None and expected != digest:
            raise ChecksumError(
                f"{where}: sha256 {digest[:16]}… does not match SHA256SUMS ({expected[:16]}…)",
                hint="the mirror is damaged or was changed; nothing was imported",
            )

    def _checksums(self) -> dict[str, str]:
        if self._sums is not None:
            return self._sums
        sums: dict[str, str] = {}
        text: str | None = None
        if self.mirror_dir is not None and (self.mirror_dir / "SHA256SUMS").is_file():
            text = (self.mirror_dir / "SHA256SUMS").read_text("utf-8", "replace")
        elif self.mirror_url is not None:
            got = self._download(f"{self.mirror_url}/SHA256SUMS", None)
            if got is not None:
                text = got.path.read_text("utf-8", "replace")
        for line in (text or "").splitlines():
            parts = line.strip().split(None, 1)
            if len(parts) == 2 and len(parts[0]) == 64:
                sums[parts[1].lstrip("*").removeprefix("./")] = parts[0].lower()
        self._sums = sums
        return sums

    def _download(self, url: str, known: dict[str, str | None] | None) -> Fetched | None:
        if self.offline:
            raise FetchError(
                f"{url}: offline mode, not downloading",
                hint="use --from with a local mirror, or drop --offline",
            )
        import httpx

        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)), follow_redirects=True
            )
        client: httpx.Client = self._client  # type: ignore[assignment]
        headers = {}
        if known:
            if known.get("etag"):
                headers["If-None-Match"] = str(known["etag"])
            if known.get("last_modified"):
                headers["If-Modified-Since"] = str(known["last_modified"])
        fd, tmp_name = tempfile.mkstemp(dir=self.workdir, suffix=".part")
        tmp = Path(tmp_name)
        h = hashlib.sha256()
        md5 = hashlib.md5(usedforsecurity=False)
        size = 0
        keep = False
        try:
            with os.fdopen(fd, "wb") as out, client.stream("GET", url, headers=headers) as resp:
                if resp.status_code in (304, 404):
                    return None
                if resp.status_code >= 400:
                    raise FetchError(f"{url}: HTTP {resp.status_code}")
                for chunk in resp.iter_bytes(1 << 20):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD:
                        raise FetchError(f"{url}: larger than {MAX_DOWNLOAD} bytes, refused")
                    h.update(chunk)
                    md5.update(chunk)
                    out.write(chunk)
                encoded = resp.headers.get("content-encoding", "identity") not in ("", "identity")
                expected_len = resp.headers.get("content-length")
                if (
                    not encoded
                    and expected_len is not None
                    and expected_len.isdigit()
                    and int(expected_len) != size
                ):
                    raise FetchError(f"{url}: truncated download ({size} of {expected_len} bytes)")
                goog = _goog_md5(resp.headers.get("x-goog-hash", ""))
                if not encoded and goog is not None and goog != md5.digest():
                    raise ChecksumError(
                        f"{url}: MD5 does not match the server's x-goog-hash",
                        hint="the download is corrupt; run the update again",
                    )
                etag = resp.headers.get("etag")
                last_mod = resp.headers.get("last-modified")
            keep = True
        except httpx.HTTPError as exc:
            raise FetchError(f"{url}: download failed ({type(exc).__name__}: {exc})") from None
        finally:
            if not keep:
                tmp.unlink(missing_ok=True)
        return Fetched(tmp, url, h.hexdigest(), etag, last_mod)


def _goog_md5(header: str) -> bytes | None:
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "md5" and value:
            try:
                return base64.b64decode(value + "=" * (-len(value) % 4))
            except ValueError:
                return None
    return None


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class UpdateContext:
    builder: DbBuilder
    fetcher: Fetcher
    log: Callable[[str], None] = field(default=lambda _msg: None)
    #: Per-source settings (``osv.ecosystems``, ``alpine.branches`` …).
    settings: dict[str, object] = field(default_factory=dict)
    #: Re-import even when a file's digest is unchanged since the last update.
    force: bool = False

    def fetch_changed(
        self, name: str, rel: str, url: str | None, missing: str | None = None
    ) -> Fetched | SourceResult:
        """Fetch ``rel`` for source ``name``, or say why there is nothing to import.

        Returns the fetched file when it is new or changed, else a :class:`SourceResult`: "unchanged"
        when the server says not-modified or the file has the digest it had at the last update, "not
        available" when neither the mirror nor the official URL has it (``missing`` words the reason).
        """
        known = self.builder.fetch_state(name, rel)
        fetched = self.fetcher.fetch(rel, url, known=None if self.force else known)
        if fetched is None:
            if known is not None and not self.fetcher.is_mirror:
                return SourceResult(name, "unchanged", "not modified since the last update")
            return SourceResult(
                name, "not available", missing or f"{rel} not found at {self.fetcher.describe()}"
            )
        if self.same_as_last(name, known, fetched.sha256):
            return SourceResult(name, "unchanged", "same file as the last update")
        return fetched

    def same_as_last(self, name: str, known: Mapping[str, str | None] | None, digest: str) -> bool:
        """True when ``digest`` (of one file, or of a set of files) is what source ``name`` imported at the
        last update and its data is still in the database (never when ``--force`` asks to re-import)."""
        return (
            not self.force
            and known is not None
            and known.get("sha256") == digest
            and name in self.builder.source_names()
        )


class Source(Protocol):
    name: ClassVar[str]
    kind: ClassVar[str]

    def update(self, ctx: UpdateContext) -> list[SourceResult]: ...
