"""Benchmark: a whole image vulnerability scan, bastion vs trivy, side by side (issue #4).

    .venv/bin/python bench/scan_image.py [--runs 5] [--source DIR] [--images sample,python]

Images (OCI layouts, read in place by both tools):

- ``sample``: ``samples/vulnerable-app`` (4 layers, Debian 12 with a dpkg status, a Node project and a
  Python app: a dozen packages);
- ``python``: the large image ``bench/walk_image.py`` builds and caches under ``bench/out/`` (7 gzip
  layers, ~97 MB compressed, ~290 MB and ~18,500 entries unpacked, a whiteout layer).

Trivy has no vulnerability database on these machines and refuses ``--skip-db-update`` on a first run,
so it is given a **valid empty database** (an empty BoltDB file and its ``metadata.json``, written here):
``trivy image --input DIR --scanners vuln --skip-db-update --offline-scan --list-all-pkgs --format json``
then does everything a real scan does (decompress and walk every layer, run its OS and language
analyzers, look every package up in the database) except find anything. Each run gets a new
``--cache-dir`` (with the empty database copied in), so no layer analysis is reused.

bastion is timed the same way twice: with an **empty database** (same work as trivy: inventory plus
lookups that find nothing) and with the **full offline database** built from ``../shared/vulndata``
(10,691 advisories: real matching, findings, severity, fix advice). Both run
``bastion scan image oci:DIR --scanners vuln --offline --format json -o FILE`` with a new
``--cache-dir`` per run and ``--db`` pointing at the prepared file.

Every command runs in a fresh process, after one untimed warm-up run of each (Python bytecode written
to a cache as an installed package has it, image files in the page cache); reported are medians of ``--runs`` of wall time and of the
child's CPU time (user + system, from ``getrusage``), the load average around the runs, what each tool
found, and ratios to trivy. Python's start-up and imports are part of bastion's time, as a user
waits for them (``python -X importtime -m bastion.cli.main version`` shows them).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

from _peers import ensure_peers, peer_version  # noqa: E402
from walk_image import DEFAULT_SOURCE, LAYOUT, build_layout  # noqa: E402

BASTION = [sys.executable, "-m", "bastion.cli.main"]
PAGE = 4096


def _fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def write_empty_trivy_db(db_dir: Path) -> None:
    """An empty BoltDB (bbolt file format: two meta pages, an empty freelist, an empty root leaf) and
    the ``metadata.json`` trivy checks (schema version 2, next update far ahead)."""

    def header(pgid: int, flags: int) -> bytes:
        return struct.pack("<QHHI", pgid, flags, 0, 0)

    def meta(pgid: int, txid: int) -> bytes:
        # magic, version, page size, flags, root bucket (root page, sequence), freelist page, high water
        # mark, txid, then the FNV-1a checksum of the fields before it
        body = struct.pack("<IIIIQQQQQ", 0xED0CDAED, 2, PAGE, 0, 3, 0, 2, 4, txid)
        return (header(pgid, 0x04) + body + struct.pack("<Q", _fnv1a64(body))).ljust(PAGE, b"\0")

    db_dir.mkdir(parents=True, exist_ok=True)
    pages = meta(0, 0) + meta(1, 1) + header(2, 0x10).ljust(PAGE, b"\0") + header(3, 0x02).ljust(PAGE, b"\0")
    (db_dir / "trivy.db").write_bytes(pages)
    (db_dir / "metadata.json").write_text(
        json.dumps(
            {
                "Version": 2,
                "NextUpdate": "2099-01-01T00:00:00Z",
                "UpdatedAt": "2026-01-01T00:00:00Z",
                "DownloadedAt": "2026-01-01T00:00:00Z",
            }
        )
    )


_ENV: dict[str, str] = {}


def _run(cmd: list[str], ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child: user + system)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, env=_ENV or None)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in ok:
        raise RuntimeError(f"{' '.join(cmd[:6])} … exited {proc.returncode}: {proc.stderr[-1500:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _trivy_found(report: Path) -> str:
    data = json.loads(report.read_text())
    pkgs = sum(len(r.get("Packages") or []) for r in data.get("Results") or [])
    vulns = sum(len(r.get("Vulnerabilities") or []) for r in data.get("Results") or [])
    return f"{pkgs} packages, {vulns} vulnerabilities"


def _bastion_found(report: Path) -> str:
    data = json.loads(report.read_text())
    return f"{len(data['packages'])} packages, {len(data['findings'])} vulnerabilities"


def build_bastion_dbs(tmp: Path, mirror: Path) -> dict[str, Path]:
    from bastion.vulndb.store import DbBuilder
    from bastion.vulndb.update import update_db

    empty = tmp / "empty.db"
    builder = DbBuilder(empty)
    builder.finish()
    full = tmp / "full.db"
    update_db(full, mirror=mirror)
    return {"empty": empty, "full": full}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--images", default="sample,python")
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="tree the large image is built from")
    ap.add_argument("--from", dest="mirror", type=Path, default=REPO.parent / "shared" / "vulndata")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args(argv)

    images: dict[str, Path] = {}
    for name in args.images.split(","):
        if name == "sample":
            images[name] = REPO / "samples" / "vulnerable-app"
        elif name == "python":
            stats = build_layout(args.source, LAYOUT)
            images[name] = LAYOUT
            print(
                f"python image: {stats['layers']} layers, {stats['compressed_bytes'] / 1e6:.0f} MB gzip, "
                f"{stats['unpacked_bytes'] / 1e6:.0f} MB unpacked"
            )
        else:
            images[name] = Path(name)
    trivy = ensure_peers("trivy")["trivy"]
    if trivy is None:
        print("trivy not found (run ../shared/tools/get-peers.sh)", file=sys.stderr)
        return 2
    print(f"trivy: {peer_version(trivy)}   python: {sys.version.split()[0]}   cpus: {os.cpu_count()}")
    report: dict[str, Any] = {"load_start": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bastion-scan-bench-") as tmp_s:
        tmp = Path(tmp_s)
        # bytecode cached as an installed package has it (this environment sets PYTHONDONTWRITEBYTECODE)
        _ENV.update(os.environ)
        _ENV.pop("PYTHONDONTWRITEBYTECODE", None)
        _ENV["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        dbs = build_bastion_dbs(tmp, args.mirror)
        write_empty_trivy_db(tmp / "trivy-db" / "db")
        for image_name, image in images.items():
            rows: dict[str, dict[str, Any]] = {}
            tools: list[tuple[str, Any]] = []

            def trivy_cmd(
                i: int, image: Path = image, image_name: str = image_name
            ) -> tuple[list[str], Path, tuple[int, ...]]:
                cache = tmp / f"trivy-cache-{image_name}-{i}"
                shutil.copytree(tmp / "trivy-db", cache)
                out = tmp / f"trivy-{image_name}-{i}.json"
                cmd = [
                    str(trivy), "image", "--input", str(image), "--scanners", "vuln", "--skip-db-update",
                    "--offline-scan", "--list-all-pkgs", "--format", "json", "--quiet",
                    "--cache-dir", str(cache), "--output", str(out),
                ]  # fmt: skip
                return cmd, out, (0,)

            def bastion_cmd(
                i: int, db: str, image: Path = image, image_name: str = image_name
            ) -> tuple[list[str], Path, tuple[int, ...]]:
                out = tmp / f"bastion-{db}-{image_name}-{i}.json"
                cmd = [
                    *BASTION, "scan", "image", f"oci:{image}", "--scanners", "vuln", "--offline",
                    "--quiet", "--no-config", "--format", "json", "--output", str(out),
                    "--cache-dir", str(tmp / f"bastion-cache-{db}-{image_name}-{i}"), "--db", str(dbs[db]),
                ]  # fmt: skip
                return cmd, out, (0, 1)  # 1: the gate failed on findings

            def startup_cmd(i: int) -> tuple[list[str], Path, tuple[int, ...]]:
                return [*BASTION, "version"], Path(), (0,)

            tools.append(("trivy (empty DB)", trivy_cmd))
            tools.append(("bastion (empty DB)", lambda i: bastion_cmd(i, "empty")))
            tools.append(("bastion (full DB)", lambda i: bastion_cmd(i, "full")))
            tools.append(("bastion version", startup_cmd))  # the floor: start-up and imports only
            for _, make in tools:  # warm-up, untimed: bytecode written, image files in the page cache
                cmd, _, ok = make(-1)
                _run(cmd, ok)
            for i in range(args.runs):  # interleaved, so load changes hit every tool alike
                for label, make in tools:
                    cmd, out, ok = make(i)
                    load = os.getloadavg()[0]
                    wall, cpu = _run(cmd, ok)
                    row = rows.setdefault(label, {"wall": [], "cpu": [], "load": []})
                    row["wall"].append(wall)
                    row["cpu"].append(cpu)
                    row["load"].append(load)
                    if label.startswith("trivy"):
                        row["found"] = _trivy_found(out)
                    elif label == "bastion version":
                        row["found"] = "(Python start-up, imports, the version line)"
                    else:
                        row["found"] = _bastion_found(out)
            base = rows["trivy (empty DB)"]
            bw, bc = statistics.median(base["wall"]), statistics.median(base["cpu"])
            print(f"\n{image_name}: {image}  ({args.runs} runs each, medians)")
            print(
                f"  {'':<20} {'wall':>8} {'cpu':>8} {'x trivy wall':>13} {'x trivy cpu':>12} {'load':>6}   found"
            )
            for label, row in rows.items():
                w, c = statistics.median(row["wall"]), statistics.median(row["cpu"])
                print(
                    f"  {label:<20} {w:7.2f}s {c:7.2f}s {w / bw:12.2f}x {c / bc:11.2f}x "
                    f"{statistics.median(row['load']):6.1f}   {row['found']}"
                )
                report[f"{image_name}/{label}"] = {
                    "wall_median": w,
                    "cpu_median": c,
                    "wall": row["wall"],
                    "cpu": row["cpu"],
                    "load": row["load"],
                    "found": row["found"],
                }
    report["load_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
