"""Benchmarks of the vulnerability database: import and matching.

    .venv/bin/python bench/vulndb.py [--from ../shared/vulndata] [--packages 10000] [--repeat 3]

1. **Import**: a full ``bastion db update --from <vulndata>`` into a fresh file (every source), reported
   as OSV records per second (the OSV part timed alone as well), plus the database size.
2. **Matching**: 10,000 packages against the full database, through the ``vuln`` detector's
   ``match_package`` (lookup, evaluation, alias merging, severity, fix advice), in two mixes:
   ``hits`` — every package is named by advisories (a name picked uniformly among the 4,600 names in
   the data, at a version its records mention in ``versions`` or a range event, so most are vulnerable); ``realistic`` — 10% such packages,
   90% names without advisories (a typical lockfile). Each mix starts from a cold store.

Medians of ``--repeat`` runs; the machine is noisy, so compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from bastion.detectors.vulns import match_package
from bastion.model import Ecosystem, Package
from bastion.vulndb.store import SqliteStore
from bastion.vulndb.update import update_db

REPO = Path(__file__).resolve().parents[1]


def _osv_records(mirror: Path) -> int:
    n = 0
    for z in sorted((mirror / "osv").glob("*/all.zip")):
        with zipfile.ZipFile(z) as zf:
            n += sum(1 for i in zf.infolist() if i.filename.endswith(".json"))
    return n


def bench_import(mirror: Path, repeat: int) -> tuple[dict[str, float], Path]:
    full, osv_only = [], []
    keep = Path(tempfile.mkdtemp(prefix="bastion-bench-")) / "vuln.db"
    for i in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            update_db(Path(tmp) / "a.db", mirror=mirror, sources=["osv"])
            osv_only.append(time.perf_counter() - t)
            t = time.perf_counter()
            update_db(Path(tmp) / "b.db", mirror=mirror)
            full.append(time.perf_counter() - t)
            if i == 0:
                (Path(tmp) / "b.db").replace(keep)
    records = _osv_records(mirror)
    with SqliteStore(keep) as s:
        total = s.counts()["advisories"] + s.counts()["withdrawn"]
    return {
        "osv_records": records,
        "osv_seconds": statistics.median(osv_only),
        "osv_records_per_s": records / statistics.median(osv_only),
        "all_advisories": total,
        "all_seconds": statistics.median(full),
        "all_advisories_per_s": total / statistics.median(full),
        "db_bytes": keep.stat().st_size,
    }, keep


_ECO = {
    "PyPI": Ecosystem.PYPI,
    "Go": Ecosystem.GO,
    "crates.io": Ecosystem.CRATES_IO,
    "npm": Ecosystem.NPM,
    "Maven": Ecosystem.MAVEN,
    "NuGet": Ecosystem.NUGET,
    "RubyGems": Ecosystem.RUBYGEMS,
    "Packagist": Ecosystem.PACKAGIST,
}


def _hit_pool(mirror: Path) -> dict[tuple[Ecosystem, str], list[str]]:
    """(ecosystem, name) → versions named by its advisories (listed versions and range events)."""
    pool: dict[tuple[Ecosystem, str], set[str]] = {}
    for z in sorted((mirror / "osv").glob("*/all.zip")):
        with zipfile.ZipFile(z) as zf:
            for info in zf.infolist():
                rec = json.loads(zf.read(info))
                for a in rec.get("affected", []):
                    pkg = a.get("package") or {}
                    eco = _ECO.get(pkg.get("ecosystem", ""))
                    if eco is None:
                        continue
                    versions = set(a.get("versions", []))
                    for r in a.get("ranges", []):
                        if r["type"] != "GIT":
                            versions.update(v for e in r["events"] for v in e.values() if v != "0")
                    pool.setdefault((eco, pkg["name"]), set()).update(versions)
    return {k: sorted(v) for k, v in pool.items() if v}


def bench_match(db: Path, mirror: Path, n: int, repeat: int, seed: int = 7) -> dict[str, float]:
    rng = random.Random(seed)
    pool = _hit_pool(mirror)
    names = sorted(pool)
    # a package named by advisories, picked uniformly by name, at one of the versions they mention
    hits = [(eco, name, rng.choice(pool[(eco, name)])) for eco, name in (rng.choice(names) for _ in range(n))]
    misses = [(Ecosystem.NPM, f"no-advisory-package-{i}", "1.0.0") for i in range(n)]
    realistic = [hits[i] if i % 10 == 0 else misses[i] for i in range(n)]
    out: dict[str, float] = {}
    for label, mix in (("hits", hits), ("realistic", realistic)):
        pkgs = [Package(name, ver, eco, f"pkg:x/{name}@{ver}") for eco, name, ver in mix]
        times, findings = [], 0
        for _ in range(repeat):
            with SqliteStore(db) as store:  # cold caches every run
                t = time.perf_counter()
                cache: dict = {}  # the detector keeps one per scan
                findings = sum(len(match_package(store, p, None, cache).findings) for p in pkgs)
                times.append(time.perf_counter() - t)
        med = statistics.median(times)
        out[f"{label}_seconds"] = med
        out[f"{label}_packages_per_s"] = n / med
        out[f"{label}_findings"] = findings
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--from", dest="mirror", type=Path, default=REPO.parent / "shared" / "vulndata")
    ap.add_argument("--packages", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    imp, db = bench_import(args.mirror, args.repeat)
    match = bench_match(db, args.mirror, args.packages, args.repeat)
    print(json.dumps({"import": imp, "match": match}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
