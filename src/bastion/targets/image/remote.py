"""Images in OCI registries, pulled through the content-addressed cache."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import BinaryIO

from bastion.errors import ManifestUnknownError
from bastion.fs.limits import Limits
from bastion.progress import ProgressSink
from bastion.targets.image.cache import BlobCache
from bastion.targets.image.layers import LayerBlob
from bastion.targets.image.manifest import MAX_DOCUMENT_BYTES, Descriptor, load_json
from bastion.targets.image.reference import Platform, RegistryRef
from bastion.targets.image.registry import RegistryClient
from bastion.targets.image.source import (
    ResolvedImage,
    check_single_platform,
    layer_compression,
    load_config,
    platform_of,
    walk_to_manifest,
)

#: Concurrent blob downloads.
DOWNLOAD_WORKERS = 3


class RegistrySource:
    """``REGISTRY/REPO:TAG`` or ``…@sha256:DIGEST``.

    Resolution costs at most one manifest request when everything is cached (a HEAD of the tag to
    learn its digest); a reference by digest whose blobs are cached costs none.
    """

    def __init__(
        self,
        ref: RegistryRef,
        *,
        cache: BlobCache,
        platform: Platform,
        explicit: bool,
        limits: Limits,
        insecure: bool,
        username: str | None,
        password: str | None,
        timeout: float,
        progress: ProgressSink,
    ) -> None:
        self.ref = ref
        self.cache = cache
        self._platform = platform
        self._explicit = explicit
        self._limits = limits
        self.client = RegistryClient(
            ref.registry,
            ref.endpoint,
            insecure=insecure,
            username=username,
            password=password,
            timeout=timeout,
            progress=progress,
        )

    def close(self) -> None:
        self.client.close()

    def _document(self, digest: str) -> bytes:
        """A manifest or config by digest: from the cache, else fetched, verified and cached."""
        cached = self.cache.read_verified(digest, MAX_DOCUMENT_BYTES)
        if cached is not None:
            return cached
        fetched = self.client.get_manifest(self.ref, digest)
        self.cache.put_bytes(digest, fetched.data, source=f"{self.ref.name}@{digest}")
        return fetched.data

    def _config(self, digest: str, size: int) -> bytes:
        cached = self.cache.read_verified(digest, MAX_DOCUMENT_BYTES)
        if cached is not None:
            return cached
        self.client.fetch_blob(self.ref, digest, size, self.cache, label=f"config {digest[7:19]}")
        data = self.cache.read_verified(digest, MAX_DOCUMENT_BYTES)
        if data is None:
            raise ManifestUnknownError(f"{self.ref}: config {digest} could not be read back from the cache")
        return data

    def resolve(self) -> ResolvedImage:
        ref = self.ref
        top_digest = ref.digest
        if top_digest is None:
            top_digest = self.client.head_manifest(ref)
        if top_digest is not None:
            top = self._document(top_digest)
            top_type = load_json(top, str(ref)).get("mediaType")
        else:  # the registry would not say what the tag points at: GET it
            fetched = self.client.get_manifest(ref, ref.reference)
            top, top_digest, top_type = fetched.data, fetched.digest, fetched.media_type
            self.cache.put_bytes(top_digest, top, source=str(ref))

        def fetch(desc: Descriptor) -> bytes:
            return self._document(desc.digest)

        digest, manifest, chosen = walk_to_manifest(
            top,
            top_type if isinstance(top_type, str) else None,
            top_digest,
            fetch,
            platform=self._platform,
            explicit=self._explicit,
            what=str(ref),
        )
        config_data = self._config(manifest.config.digest, manifest.config.size)
        config, layers = load_config(manifest, config_data, str(ref), self._limits)
        if chosen is None:
            check_single_platform(config, self._platform, self._explicit, str(ref))
        repo_digests = (f"{ref.name}@{top_digest}",)
        return ResolvedImage(
            ref=str(ref),
            name=f"{ref.name}:{ref.tag}" if ref.tag else ref.name,
            manifest_digest=digest,
            manifest=manifest,
            config_digest=manifest.config.digest,
            config=config,
            layers=layers,
            repo_tags=(f"{ref.name}:{ref.tag}",) if ref.tag else (),
            repo_digests=repo_digests,
            platform=platform_of(chosen, config),
        )

    def layer_blobs(self, image: ResolvedImage, progress: ProgressSink) -> Sequence[LayerBlob | str]:
        out: list[LayerBlob | str] = []
        missing: list[Descriptor] = []
        for desc in image.manifest.layers:
            _, err = layer_compression(desc)
            if err is not None:
                out.append(err)
                continue
            if not self.cache.has(desc.digest):
                missing.append(desc)
            out.append(self._cached_blob(desc.digest))
        if missing:
            workers = min(DOWNLOAD_WORKERS, len(missing))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="bastion-pull") as pool:
                futures = [
                    pool.submit(
                        self.client.fetch_blob,
                        self.ref,
                        d.digest,
                        d.size,
                        self.cache,
                        label=f"layer {d.digest[7:19]}",
                    )
                    for d in missing
                ]
                try:
                    for f in futures:
                        f.result()
                except BaseException:
                    for f in futures:
                        f.cancel()
                    raise
        return out

    def _cached_blob(self, digest: str) -> LayerBlob:
        path = self.cache.path(digest)

        @contextlib.contextmanager
        def opener() -> Iterator[BinaryIO]:
            with open(path, "rb") as fh:
                yield fh

        # verified when it was written into the cache (temp file + rename only after the digest matched)
        return LayerBlob(open=opener, verify=None, location=f"{self.ref.name}@{digest}")
