"""Benchmark: open an image and walk (and read) every file, bastion vs syft vs trivy.

    .venv/bin/python bench/walk_image.py [--runs 5] [--source DIR] [--skip-peers]

Builds once (cached in bench/out/) a multi-layer OCI layout of well over 200 MB unpacked from this
machine's Python installation (stdlib, pip/setuptools, numpy, botocore/awscli, jedi/pygments,
cryptography/networkx, then a layer that deletes and replaces files), gzip-compressed like a
``docker build`` would. Then, N runs each, in fresh processes, wall-clock:

- ``bastion read-all``: open the image (every regular file materialised), walk the squashed view and
  read every file's full content — the upper bound of what a content scan costs;
- ``bastion walk``: open and walk, contents of no file kept (what an inventory of a tree costs before
  any extractor asks for files);
- ``syft``: ``syft scan oci-dir:DIR -o json`` (full default catalog: file walk + package catalogers);
- ``trivy``: ``trivy image --input DIR --scanners license --format json`` with a throw-away cache dir
  (layer analysis: decompress and walk every layer, run the package analyzers; no vulnerability DB is
  needed for this mode, and ``--cache-dir`` is new each run so nothing is reused).

Prints medians, min/max and the ratio of each peer to bastion.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

from _peers import ensure_peers, peer_version  # noqa: E402

OUT = BENCH / "out"
LAYOUT = OUT / "python-image"
DEFAULT_SOURCE = Path("/root/.pyenv/versions/3.11.7")
FORMAT_VERSION = "1"  # bump to rebuild cached layouts when the recipe changes

SITE = "lib/python3.11/site-packages"
#: (created_by, paths relative to the Python prefix) per layer, bottom first.
RECIPE: list[tuple[str, list[str]]] = [
    (
        "ADD python-stdlib /usr/local",
        ["bin", "include", "lib/libpython3.11.so.1.0", "lib/libpython3.11.so", "lib/python3.11:stdlib"],
    ),
    (
        "RUN pip install pip setuptools",
        [f"{SITE}/pip", f"{SITE}/setuptools", f"{SITE}/pkg_resources", f"{SITE}/_distutils_hack"],
    ),
    ("RUN pip install numpy", [f"{SITE}/numpy", f"{SITE}/numpy.libs"]),
    ("RUN pip install awscli", [f"{SITE}/botocore", f"{SITE}/awscli"]),
    ("RUN pip install jedi pygments", [f"{SITE}/jedi", f"{SITE}/pygments"]),
    ("RUN pip install cryptography networkx", [f"{SITE}/cryptography", f"{SITE}/networkx"]),
]
STDLIB_EXCLUDE = ("site-packages", "test", "config-3.11-x86_64-linux-gnu")


def _add_tree(tf: tarfile.TarFile, source: Path, rel: str, prefix: str) -> int:
    """Add ``source/rel`` (recursively) under ``prefix/rel``; returns bytes added."""
    spec, _, mode = rel.partition(":")
    root = source / spec
    total = 0
    if not root.exists() and not root.is_symlink():
        return 0
    paths: list[Path] = [root]
    if root.is_dir() and not root.is_symlink():
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames.sort()
            if mode == "stdlib" and Path(dirpath) == root:
                dirnames[:] = [d for d in dirnames if d not in STDLIB_EXCLUDE]
            for name in [*dirnames, *sorted(filenames)]:
                paths.append(Path(dirpath) / name)
    for path in paths:
        arcname = f"{prefix}/{path.relative_to(source)}"
        info = tf.gettarinfo(str(path), arcname)
        info.mtime, info.uid, info.gid, info.uname, info.gname = 1_700_000_000, 0, 0, "root", "root"
        if info.isreg():
            with open(path, "rb") as fh:
                tf.addfile(info, fh)
            total += info.size
        elif info.isdir() or info.issym():
            tf.addfile(info)
    return total


def _gzip_layer(build: callable, dest_dir: Path) -> tuple[str, int, str, int]:  # type: ignore[valid-type]
    """Write a gzip layer; returns (digest, size, diff_id, unpacked bytes)."""
    tmp = dest_dir / "layer.tmp"
    raw_hash = hashlib.sha256()

    class _HashTee(io.RawIOBase):
        def __init__(self, inner: io.BufferedWriter) -> None:
            self.inner = inner

        def writable(self) -> bool:
            return True

        def write(self, b: bytes) -> int:  # type: ignore[override]
            raw_hash.update(b)
            return self.inner.write(b)

    with open(tmp, "wb") as out:
        gz = gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6, mtime=0)
        tee = _HashTee(gz)  # type: ignore[arg-type]
        with tarfile.open(fileobj=tee, mode="w|", format=tarfile.PAX_FORMAT) as tf:  # type: ignore[call-overload]
            unpacked = build(tf)
        gz.close()
    data_hash = hashlib.sha256()
    with open(tmp, "rb") as fh:
        while chunk := fh.read(1 << 20):
            data_hash.update(chunk)
    digest = "sha256:" + data_hash.hexdigest()
    size = tmp.stat().st_size
    tmp.rename(dest_dir / digest[7:])
    return digest, size, "sha256:" + raw_hash.hexdigest(), unpacked


def _put(blobs: Path, data: bytes) -> str:
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    (blobs / digest[7:]).write_bytes(data)
    return digest


def build_layout(source: Path, layout: Path) -> dict[str, int]:
    stamp = layout / "bench-stamp.json"
    if stamp.is_file():
        info = json.loads(stamp.read_text())
        if info.get("format") == FORMAT_VERSION and info.get("source") == str(source):
            return dict(info["stats"])
    print(f"building {layout} from {source} (once) …", file=sys.stderr)
    if layout.exists():
        import shutil

        shutil.rmtree(layout)
    blobs = layout / "blobs" / "sha256"
    blobs.mkdir(parents=True)
    prefix = "usr/local"
    layers, diff_ids, history = [], [], []
    unpacked_total = 0
    for created_by, rels in RECIPE:

        def build(tf: tarfile.TarFile, rels: list[str] = rels) -> int:
            return sum(_add_tree(tf, source, rel, prefix) for rel in rels)

        digest, size, diff_id, unpacked = _gzip_layer(build, blobs)
        unpacked_total += unpacked
        layers.append(
            {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}
        )
        diff_ids.append(diff_id)
        history.append({"created_by": created_by})

    # a last layer that deletes a package, rewrites a file and adds links (whiteouts, hard links)
    def final(tf: tarfile.TarFile) -> int:
        def add(name: str, data: bytes | None = None, kind: bytes = tarfile.REGTYPE, link: str = "") -> None:
            info = tarfile.TarInfo(name)
            info.type, info.linkname, info.mtime = kind, link, 1_700_000_000
            info.size = len(data) if data is not None else 0
            tf.addfile(info, io.BytesIO(data) if data is not None else None)

        add(f"{prefix}/{SITE}/.wh.jedi", b"")
        add(f"{prefix}/{SITE}/pygments/.wh..wh..opq", b"")
        add(f"{prefix}/{SITE}/pygments/__init__.py", b"__version__ = '0.0.0-bench'\n")
        add(f"{prefix}/bin/python3-hardlink", kind=tarfile.LNKTYPE, link=f"{prefix}/bin/python3.11")
        add("etc/os-release", b'ID=debian\nVERSION_ID="12"\n')
        return 64

    digest, size, diff_id, unpacked = _gzip_layer(final, blobs)
    layers.append(
        {"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}
    )
    diff_ids.append(diff_id)
    history.append({"created_by": "RUN rm -rf jedi && rewrite pygments"})
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-01-01T00:00:00Z",
        "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["python3"]},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }
    cfg = json.dumps(config, sort_keys=True).encode()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {
            "mediaType": "application/vnd.oci.image.config.v1+json",
            "digest": _put(blobs, cfg),
            "size": len(cfg),
        },
        "layers": layers,
    }
    mbytes = json.dumps(manifest, sort_keys=True).encode()
    mdigest = _put(blobs, mbytes)
    (layout / "oci-layout").write_text('{"imageLayoutVersion": "1.0.0"}')
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [
            {
                "mediaType": manifest["mediaType"],
                "digest": mdigest,
                "size": len(mbytes),
                "annotations": {"org.opencontainers.image.ref.name": "bench"},
            }
        ],
    }
    (layout / "index.json").write_text(json.dumps(index))
    stats = {
        "layers": len(layers),
        "compressed_bytes": sum(int(layer["size"]) for layer in layers),
        "unpacked_bytes": unpacked_total,
    }
    stamp.write_text(json.dumps({"format": FORMAT_VERSION, "source": str(source), "stats": stats}))
    return stats


# -- the bastion side (runs in a fresh process per measurement) ------------------------------------------


def bastion_once(layout: Path, mode: str, workers: int, cache: Path) -> dict[str, float | int]:
    from bastion.targets.factory import TargetOptions
    from bastion.targets.image import image_target

    t0 = time.perf_counter()
    target = image_target(f"oci:{layout}", TargetOptions(cache_dir=cache))
    target.workers = workers
    want = None if mode == "read-all" else (lambda _ref: False)
    files = 0
    read = 0
    with target.open(want) as tree:
        t_open = time.perf_counter() - t0
        for ref in tree.walk():
            if ref.is_file:
                files += 1
                if mode == "read-all":
                    with tree.open(ref) as fh:
                        while chunk := fh.read(1 << 20):
                            read += len(chunk)
        errors = len(tree.errors)
        stats = tree.stats
    return {
        "seconds": time.perf_counter() - t0,
        "open_seconds": t_open,
        "files": files,
        "bytes_read": read,
        "errors": errors,
        "entries": stats.get("layer_entries", 0),
    }


def _time(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … failed ({proc.returncode}): {proc.stderr[-1500:]}")
    return elapsed, proc.stdout


def _summary(xs: list[float]) -> str:
    return f"median {statistics.median(xs):6.2f}s  (min {min(xs):.2f}, max {max(xs):.2f}, n={len(xs)})"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--layout", type=Path, default=LAYOUT)
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--workers", type=int, nargs="*", default=[2, 1])
    ap.add_argument("--_once", nargs=3, metavar=("MODE", "WORKERS", "CACHE"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._once:
        mode, workers, cache = args._once
        print(json.dumps(bastion_once(args.layout, mode, int(workers), Path(cache))))
        return 0

    if not args.source.is_dir():
        print(f"source {args.source} not found; pass --source DIR (a large directory tree)", file=sys.stderr)
        return 2
    stats = build_layout(args.source, args.layout)
    print(
        f"image: {args.layout}  {stats['layers']} layers, {stats['compressed_bytes'] / 1e6:.0f} MB gzip, "
        f"{stats['unpacked_bytes'] / 1e6:.0f} MB unpacked"
    )
    results: dict[str, list[float]] = {}
    details: dict[str, dict[str, float | int]] = {}
    with tempfile.TemporaryDirectory(prefix="bastion-bench-") as tmp:
        for mode in ("read-all", "walk"):
            for workers in args.workers:
                key = f"bastion {mode} ({workers} thread{'s' if workers > 1 else ''})"
                for _ in range(args.runs):
                    t0 = time.perf_counter()
                    _, out = _time(
                        [
                            sys.executable,
                            __file__,
                            "--layout",
                            str(args.layout),
                            "--_once",
                            mode,
                            str(workers),
                            f"{tmp}/cache",
                        ]
                    )
                    results.setdefault(key, []).append(time.perf_counter() - t0)
                    details[key] = json.loads(out)
        if not args.skip_peers:
            peers = ensure_peers("syft", "trivy")
            syft, trivy = peers["syft"], peers["trivy"]
            if syft is not None:
                print(f"syft: {peer_version(syft)}")
                env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false"}
                for i in range(args.runs):
                    env["SYFT_CACHE_DIR"] = f"{tmp}/syft-cache-{i}"
                    elapsed, _ = _time([str(syft), "scan", f"oci-dir:{args.layout}", "-o", "json", "-q"], env)
                    results.setdefault("syft scan oci-dir (json)", []).append(elapsed)
            if trivy is not None:
                print(f"trivy: {peer_version(trivy)}")
                for i in range(args.runs):
                    elapsed, _ = _time(
                        [
                            str(trivy), "image", "--input", str(args.layout), "--scanners", "license", "--format", "json",
                            "--quiet", "--cache-dir", f"{tmp}/trivy-cache-{i}",
                        ]
                    )  # fmt: skip
                    results.setdefault("trivy image --input (license)", []).append(elapsed)
    print()
    for key, d in details.items():
        print(
            f"  {key}: {d['files']} files in the squashed view, {d['entries']} layer entries, "
            f"{int(d['bytes_read']) / 1e6:.0f} MB read, open {d['open_seconds']:.2f}s, {d['errors']} errors"
        )
    print()
    base_key = next(iter(results))
    base = statistics.median(results[base_key])
    width = max(len(k) for k in results)
    for key, xs in results.items():
        ratio = statistics.median(xs) / base
        print(f"{key:<{width}}  {_summary(xs)}   x{ratio:.2f} of {base_key}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
