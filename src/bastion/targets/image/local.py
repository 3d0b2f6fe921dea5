"""Images on disk: OCI image layout directories and ``docker save`` archives.

Both are read in place: an OCI layout's blobs are files, an uncompressed docker archive's members are
byte ranges of the tar (a compressed archive is inflated once into the scratch area first). Every
blob is verified against its digest as it is read.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Protocol, cast

from bastion.errors import DigestMismatchError, LimitExceededError, TargetError
from bastion.fs.limits import Limits
from bastion.fs.paths import UnsafePathError, normalize_member, resolve_in_root
from bastion.fs.slice import FileSlice
from bastion.fs.tar import MeteredReader, open_decompressed, sniff_compression
from bastion.progress import ProgressSink
from bastion.targets.image.layers import LayerBlob
from bastion.targets.image.manifest import (
    MAX_DOCUMENT_BYTES,
    REF_NAME_ANNOTATION,
    Descriptor,
    ImageFormatError,
    Manifest,
    load_json,
    parse_index,
    sha256_digest,
)
from bastion.targets.image.reference import DockerArchiveRef, OciLayoutRef, Platform, parse_registry_ref
from bastion.targets.image.source import (
    ResolvedImage,
    check_single_platform,
    layer_compression,
    load_config,
    platform_of,
    walk_to_manifest,
)

_BLOB_DIGEST_RE = re.compile(r"^(sha256|sha512):([a-f0-9]{64}|[a-f0-9]{128})$")


def blob_member(digest: str) -> str:
    """``blobs/<alg>/<hex>`` for a digest, refusing anything that is not a plain digest."""
    m = _BLOB_DIGEST_RE.match(digest)
    if m is None:
        raise ImageFormatError(f"malformed digest {digest!r}")
    return f"blobs/{m.group(1)}/{m.group(2)}"


class _Files(Protocol):
    """Read access to the files of a layout, wherever they live."""

    label: str

    def exists(self, name: str) -> bool: ...
    def size(self, name: str) -> int: ...
    def open(self, name: str) -> contextlib.AbstractContextManager[BinaryIO]: ...


class _DirFiles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.label = str(root)

    def _path(self, name: str) -> Path:
        return self.root / normalize_member(name)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def size(self, name: str) -> int:
        return self._path(name).stat().st_size

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        with open(self._path(name), "rb") as fh:
            yield fh


class _TarFiles:
    """Members of an uncompressed tar, read by byte range; links between members resolved inside it."""

    def __init__(self, path: Path, label: str, limits: Limits) -> None:
        self.label = label
        self._fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        self._members: dict[str, tarfile.TarInfo] = {}
        self._links: dict[str, str] = {}
        try:
            with tarfile.open(path, mode="r:") as tf:
                count = 0
                for info in tf:
                    count += 1
                    if count > limits.max_files:
                        raise LimitExceededError(f"{label}: more than {limits.max_files} members")
                    try:
                        name = normalize_member(info.name)
                    except UnsafePathError:
                        continue  # never addressed by a well-formed archive
                    if info.issym():
                        self._links[name] = info.linkname
                    elif info.islnk():
                        try:
                            self._links[name] = "/" + normalize_member(info.linkname)
                        except UnsafePathError:
                            continue
                    elif info.isreg():
                        self._members[name] = info
        except (tarfile.TarError, EOFError) as exc:
            os.close(self._fd)
            raise TargetError(f"{label}: not a readable tar archive ({exc})") from None

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def _resolve(self, name: str) -> tarfile.TarInfo | None:
        try:
            real = resolve_in_root(normalize_member(name), self._links.get)
        except UnsafePathError:
            return None
        return self._members.get(real)

    def exists(self, name: str) -> bool:
        return self._resolve(name) is not None

    def size(self, name: str) -> int:
        info = self._resolve(name)
        if info is None:
            raise FileNotFoundError(name)
        return info.size

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[BinaryIO]:
        info = self._resolve(name)
        if info is None:
            raise FileNotFoundError(f"{self.label}: no member {name!r}")
        yield cast(BinaryIO, FileSlice(self._fd, info.offset_data, info.size))


def _read_small(files: _Files, name: str, what: str, digest: str | None = None) -> bytes:
    try:
        size = files.size(name)
    except (OSError, UnsafePathError):
        raise ImageFormatError(f"{files.label}: {what} ({name}) is missing") from None
    if size > MAX_DOCUMENT_BYTES:
        raise ImageFormatError(
            f"{files.label}: {what} ({name}) is {size} bytes; refused (limit {MAX_DOCUMENT_BYTES})"
        )
    with files.open(name) as fh:
        data = fh.read(MAX_DOCUMENT_BYTES + 1)
    if digest is not None:
        actual = sha256_digest(data) if digest.startswith("sha256:") else None
        if actual is not None and actual != digest:
            raise DigestMismatchError(
                f"{files.label}: {what} {name}: content digest mismatch: expected {digest}, got {actual}",
                hint="the image is corrupt or was tampered with",
            )
    return data


def _layer_blobs(files: _Files, manifest: Manifest) -> list[LayerBlob | str]:
    out: list[LayerBlob | str] = []
    for desc in manifest.layers:
        _, err = layer_compression(desc)
        if err is not None:
            out.append(err)
            continue
        try:
            name = blob_member(desc.digest)
        except ImageFormatError as exc:
            out.append(exc.message)
            continue
        if not files.exists(name):
            out.append(f"blob {desc.digest} is missing from {files.label}")
            continue
        out.append(
            LayerBlob(
                open=functools.partial(files.open, name), verify=desc.digest, location=f"{files.label}/{name}"
            )
        )
    return out


def _choose_in_index(
    files: _Files, tag: str | None, platform: Platform, explicit: bool, what: str
) -> tuple[Descriptor, Platform | None]:
    """The descriptor in index.json to start from: by ref-name tag, the only one, or by platform."""
    data = _read_small(files, "index.json", "index.json")
    index = parse_index(load_json(data, f"{what}: index.json"), f"{what}: index.json")
    entries = list(index.manifests)
    if not entries:
        raise ImageFormatError(f"{what}: index.json lists no images")
    if tag is not None:
        named = [d for d in entries if _ref_matches(d.ref_name, tag)]
        if not named:
            names = sorted({d.ref_name for d in entries if d.ref_name})
            raise ImageFormatError(
                f"{what}: no image tagged {tag!r}; available: {', '.join(names) or 'none (untagged)'}"
            )
        entries = named
    if len(entries) == 1:
        return entries[0], entries[0].platform
    if all(d.platform is not None for d in entries):
        from bastion.targets.image.manifest import select_platform

        chosen = select_platform(entries, platform, what=f"{what}: index.json", explicit=explicit)
        return chosen, chosen.platform
    names = sorted({d.ref_name or d.digest for d in entries})
    raise ImageFormatError(
        f"{what}: the layout holds {len(entries)} images; pick one with oci:PATH:TAG (available: {', '.join(names)})"
    )


def _ref_matches(ref_name: str | None, tag: str) -> bool:
    """``latest`` matches ref names ``latest`` and ``docker.io/library/alpine:latest``; full refs match normalised."""
    if not ref_name:
        return False
    if ref_name == tag:
        return True
    if ":" not in tag and "/" not in tag:
        head, sep, tail = ref_name.rpartition(":")
        return bool(sep and head and "/" not in tail and tail == tag)
    return _normalise_tag(ref_name) == _normalise_tag(tag)


def _resolve_layout(
    files: _Files, tag: str | None, platform: Platform, explicit: bool, limits: Limits, ref: str, name: str
) -> ResolvedImage:
    what = ref
    start, start_platform = _choose_in_index(files, tag, platform, explicit, what)

    def fetch(desc: Descriptor) -> bytes:
        return _read_small(files, blob_member(desc.digest), f"manifest {desc.digest}", desc.digest)

    data = fetch(start)
    digest, manifest, chosen = walk_to_manifest(
        data, start.media_type or None, start.digest, fetch, platform=platform, explicit=explicit, what=what
    )
    config_data = _read_small(files, blob_member(manifest.config.digest), "config", manifest.config.digest)
    config, layers = load_config(manifest, config_data, what, limits)
    if chosen is None and start_platform is None:
        check_single_platform(config, platform, explicit, what)
    tags = (start.ref_name,) if start.ref_name else ()
    return ResolvedImage(
        ref=ref,
        name=name,
        manifest_digest=digest,
        manifest=manifest,
        config_digest=manifest.config.digest,
        config=config,
        layers=layers,
        repo_tags=tags,
        platform=platform_of(chosen or start_platform, config),
    )


class OciLayoutSource:
    """``oci:PATH[:TAG]``."""

    def __init__(self, ref: OciLayoutRef, *, platform: Platform, explicit: bool, limits: Limits) -> None:
        path = ref.path
        if not path.is_dir():
            raise TargetError(f"{path}: no such OCI layout directory")
        if not (path / "index.json").is_file():
            raise TargetError(
                f"{path}: not an OCI image layout (no index.json)",
                hint="expected the output of `skopeo copy … oci:DIR` or `umoci`",
            )
        self._ref = ref
        self._files = _DirFiles(path)
        self._platform = platform
        self._explicit = explicit
        self._limits = limits

    def resolve(self) -> ResolvedImage:
        path = self._ref.path.resolve()
        ref = f"oci:{path}" + (f":{self._ref.tag}" if self._ref.tag else "")
        return _resolve_layout(
            self._files, self._ref.tag, self._platform, self._explicit, self._limits, ref, path.name
        )

    def layer_blobs(self, image: ResolvedImage, progress: ProgressSink) -> Sequence[LayerBlob | str]:
        return _layer_blobs(self._files, image.manifest)

    def close(self) -> None:
        return None


class DockerArchiveSource:
    """``docker-archive:PATH[:REPO:TAG]``: legacy ``docker save`` output and the OCI-flavoured one."""

    def __init__(
        self,
        ref: DockerArchiveRef,
        *,
        platform: Platform,
        explicit: bool,
        limits: Limits,
        scratch_parent: Path,
    ) -> None:
        path = ref.path
        if not path.is_file():
            raise TargetError(f"{path}: no such docker archive")
        self._ref = ref
        self._platform = platform
        self._explicit = explicit
        self._limits = limits
        self._tmp: Path | None = None
        self._scratch_parent = scratch_parent
        self._open_files: _TarFiles | None = None
        self._files  # noqa: B018 - fail early on an unreadable archive

    @property
    def _files(self) -> _TarFiles:
        if self._open_files is None:
            path = self._ref.path
            label = str(path)
            with open(path, "rb") as fh:
                head = fh.read(512)
            compression = sniff_compression(head)
            tar_path = path
            if compression != "none":
                tar_path = self._inflate(path, compression, self._scratch_parent, label)
            self._open_files = _TarFiles(tar_path, label, self._limits)
        return self._open_files

    def _inflate(self, path: Path, compression: str, scratch_parent: Path, label: str) -> Path:
        scratch_parent.mkdir(parents=True, exist_ok=True)
        self._tmp = Path(tempfile.mkdtemp(prefix="archive-", dir=scratch_parent))
        out = self._tmp / "archive.tar"
        limit = self._limits.max_total_bytes

        def check(total: int) -> None:
            if total > limit:
                raise LimitExceededError(f"{label}: inflates to more than {limit} bytes (max_total_bytes)")

        try:
            with open(path, "rb") as raw, open(out, "wb") as dst:
                stream = MeteredReader(open_decompressed(raw, compression), check=check)
                shutil.copyfileobj(stream, dst, 1 << 20)
        except (OSError, EOFError) as exc:
            self.close()
            raise TargetError(f"{label}: cannot decompress the archive ({exc})") from None
        except BaseException:
            self.close()
            raise
        return out

    def close(self) -> None:
        if self._open_files is not None:
            self._open_files.close()
            self._open_files = None
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def resolve(self) -> ResolvedImage:
        files = self._files
        path = self._ref.path.resolve()
        ref = f"docker-archive:{path}" + (f":{self._ref.tag}" if self._ref.tag else "")
        if not files.exists("manifest.json"):
            if files.exists("index.json"):
                return _resolve_layout(
                    files, self._ref.tag, self._platform, self._explicit, self._limits, ref, path.name
                )
            raise TargetError(f"{path}: not a docker archive (no manifest.json or index.json)")
        doc = _load_json_list(_read_small(files, "manifest.json", "manifest.json"), f"{path}: manifest.json")
        entry = self._choose(doc, path)
        config_name = entry["Config"]
        config_digest = _digest_from_name(config_name)
        config_data = _read_small(files, config_name, "config", config_digest)
        config_digest = config_digest or sha256_digest(config_data)
        layer_names = entry["Layers"]
        descs = tuple(
            Descriptor(
                media_type="application/x-tar",
                digest=_digest_from_name(n) or f"sha256:{'0' * 64}",
                size=_safe_size(files, n),
            )
            for n in layer_names
        )
        manifest = Manifest(
            media_type="application/vnd.docker.distribution.manifest.v2+json",
            config=Descriptor("", config_digest, len(config_data)),
            layers=descs,
        )
        config, layers = load_config(manifest, config_data, ref, self._limits)
        # layer "digests" of a legacy archive are its diff IDs (the members are plain tars)
        layers = tuple(
            layer
            if _digest_from_name(layer_names[i])
            else type(layer)(
                index=layer.index,
                digest=layer.diff_id,
                diff_id=layer.diff_id,
                size=layer.size,
                media_type=layer.media_type,
                created_by=layer.created_by,
            )
            for i, layer in enumerate(layers)
        )
        self._layer_names = list(layer_names)
        self._diff_ids = config.diff_ids
        check_single_platform(config, self._platform, self._explicit, ref)
        tags = tuple(str(t) for t in entry.get("RepoTags") or () if isinstance(t, str))
        return ResolvedImage(
            ref=ref,
            name=tags[0] if tags else path.name,
            manifest_digest=self._manifest_digest(config_digest),
            manifest=manifest,
            config_digest=config_digest,
            config=config,
            layers=layers,
            repo_tags=tags,
            platform=platform_of(None, config),
        )

    def _choose(self, doc: list[dict[str, Any]], path: Path) -> dict[str, Any]:
        if not doc:
            raise TargetError(f"{path}: manifest.json lists no images")
        for entry in doc:
            if (
                not isinstance(entry.get("Config"), str)
                or not isinstance(entry.get("Layers"), list)
                or not all(isinstance(x, str) for x in entry["Layers"])
            ):
                raise ImageFormatError(f"{path}: manifest.json entry without Config/Layers")
        tag = self._ref.tag
        if tag is None:
            if len(doc) == 1:
                return doc[0]
            listing = ", ".join(", ".join(e.get("RepoTags") or ["<untagged>"]) for e in doc)
            raise TargetError(
                f"{path}: the archive holds {len(doc)} images; pick one with docker-archive:{path}:REPO:TAG",
                hint=f"available: {listing}",
            )
        wanted = _normalise_tag(tag)
        for entry in doc:
            for t in entry.get("RepoTags") or ():
                if isinstance(t, str) and (t == tag or _normalise_tag(t) == wanted):
                    return entry
        listing = ", ".join(t for e in doc for t in (e.get("RepoTags") or ()))
        raise TargetError(
            f"{path}: no image tagged {tag!r} in the archive",
            hint=f"available: {listing or 'none (untagged images)'}",
        )

    def _manifest_digest(self, config_digest: str) -> str | None:
        """Newer docker archives carry an OCI index too: find the manifest whose config is ours."""
        files = self._files
        if not files.exists("index.json"):
            return None
        try:
            index = parse_index(
                load_json(_read_small(files, "index.json", "index.json"), "index.json"), "index.json"
            )
            todo = list(index.manifests)
            for _ in range(64):
                if not todo:
                    break
                desc = todo.pop(0)
                doc = load_json(
                    _read_small(files, blob_member(desc.digest), "manifest", desc.digest), desc.digest
                )
                if isinstance(doc.get("manifests"), list):
                    todo.extend(parse_index(doc, desc.digest).manifests)
                    continue
                cfg = doc.get("config")
                if isinstance(cfg, dict) and cfg.get("digest") == config_digest:
                    return desc.digest
        except (ImageFormatError, OSError):
            return None
        return None

    def layer_blobs(self, image: ResolvedImage, progress: ProgressSink) -> Sequence[LayerBlob | str]:
        files = self._files
        names = getattr(self, "_layer_names", None)
        if names is None:  # OCI layout inside the tar
            return _layer_blobs(files, image.manifest)
        out: list[LayerBlob | str] = []
        for i, name in enumerate(names):
            if not files.exists(name):
                out.append(f"layer {name} is missing from the archive")
                continue
            with files.open(name) as fh:
                head = fh.read(512)
            named = _digest_from_name(name)
            # plain tars hash to their diff ID; compressed members can only be checked by their name
            verify = self._diff_ids[i] if sniff_compression(head) == "none" else named
            out.append(
                LayerBlob(
                    open=functools.partial(files.open, name), verify=verify, location=f"{files.label}!{name}"
                )
            )
        return out


def _safe_size(files: _Files, name: str) -> int:
    try:
        return files.size(name)
    except (OSError, UnsafePathError):
        return 0


def _digest_from_name(name: str) -> str | None:
    m = re.search(r"(?:^|/)(?:sha256/)?([a-f0-9]{64})(?:\.json|\.tar)?$", name)
    return f"sha256:{m.group(1)}" if m else None


def _normalise_tag(tag: str) -> str:
    try:
        return str(parse_registry_ref(tag))
    except TargetError:
        return tag
    except Exception:
        return tag


def _load_json_list(data: bytes, what: str) -> list[dict[str, Any]]:
    import json

    try:
        doc = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise ImageFormatError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(doc, list) or not all(isinstance(e, dict) for e in doc):
        raise ImageFormatError(f"{what}: expected a list of image entries")
    return doc


__all__ = ["REF_NAME_ANNOTATION", "DockerArchiveSource", "OciLayoutSource"]
