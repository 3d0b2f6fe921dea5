"""The image :class:`~bastion.targets.base.Target`: resolve once, read layers (two at a time), squash."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from bastion.fs.limits import Limits
from bastion.model import ArtifactRef, ScanError
from bastion.progress import NULL_PROGRESS, ProgressSink
from bastion.targets.base import WantFn
from bastion.targets.image.cache import BlobCache
from bastion.targets.image.layers import Budget, LayerBlob, LayerResult, read_layer
from bastion.targets.image.source import ImageSource, ResolvedImage, layer_compression
from bastion.targets.image.tree import LayeredTree


def _default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class ImageTarget:
    """A container image from any source. ``describe()`` resolves (manifest + config) once."""

    def __init__(
        self,
        source: ImageSource,
        *,
        cache: BlobCache,
        limits: Limits,
        progress: ProgressSink = NULL_PROGRESS,
        workers: int | None = None,
    ) -> None:
        self.source = source
        self.cache = cache
        self.limits = limits
        self.progress = progress
        self.workers = workers or _default_workers()
        self._resolved: ResolvedImage | None = None

    def resolve(self) -> ResolvedImage:
        if self._resolved is None:
            self._resolved = self.source.resolve()
        return self._resolved

    def describe(self) -> ArtifactRef:
        return self.resolve().artifact()

    def close(self) -> None:
        self.source.close()

    @contextlib.contextmanager
    def open(self, want: WantFn | None = None) -> Iterator[LayeredTree]:
        image = self.resolve()
        scratch = self.cache.scratch_dir()
        tree: LayeredTree | None = None
        try:
            blobs = self.source.layer_blobs(image, self.progress)
            results, errors = self._read_layers(image, blobs, want, scratch)
            tree = LayeredTree(image.artifact(), results, limits=self.limits, errors=errors)
            yield tree
        finally:
            if tree is not None:
                tree.close()
            shutil.rmtree(scratch, ignore_errors=True)
            self.source.close()

    def _read_layers(
        self, image: ResolvedImage, blobs: Sequence[LayerBlob | str], want: WantFn | None, scratch: Path
    ) -> tuple[list[LayerResult], list[ScanError]]:
        budget = Budget(self.limits)
        errors: list[ScanError] = []
        total = sum(layer.size for layer in image.layers)
        self.progress.start("layers", f"reading {len(image.layers)} layers", total or None)
        jobs: list[tuple[int, Future[LayerResult]]] = []
        results: list[LayerResult] = []
        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="bastion-layer") as pool:
                for info, blob in zip(image.layers, blobs, strict=True):
                    if isinstance(blob, str):
                        errors.append(
                            ScanError(
                                path=".",
                                message=f"layer {info.index} ({info.diff_id}): {blob}",
                                layer=info.diff_id,
                            )
                        )
                        continue
                    hint, _ = layer_compression(image.manifest.layers[info.index])
                    jobs.append(
                        (
                            info.index,
                            pool.submit(
                                read_layer,
                                info,
                                blob,
                                compression_hint=hint,
                                want=want,
                                scratch=scratch,
                                budget=budget,
                                progress=self.progress,
                            ),
                        )
                    )
                try:
                    results = [future.result() for _, future in jobs]
                except BaseException:
                    for _, future in jobs:
                        future.cancel()
                    raise
        finally:
            self.progress.finish("layers")
        return results, errors
