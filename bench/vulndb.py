"""Benchmarks of the vulnerability database: import and matching, each run in a fresh process.

    .venv/bin/python bench/vulndb.py [--from ../shared/vulndata] [--packages 10000] [--runs 5]
                                     [--src DIR] [--json FILE]

1. **Import** (``import-osv``): ``bastion db update --from <vulndata> --source osv`` into a new file,
   reported as OSV records per second; ``import-all``: every source (OSV, Alpine, Debian, KEV), as
   advisories per second; the database size.
2. **Matching**: ``--packages`` packages against the full database through the ``vuln`` detector's
   ``match_packages`` (batched lookup, evaluation, alias merging, severity, fix advice), in three
   mixes: ``realistic`` — 10% packages named by advisories, 90% names without any (a typical
   lockfile or image); ``hits`` — every package named by advisories (a name picked uniformly among
   the names in the data, at a version its records mention, so most are vulnerable); ``none`` — no
   package has advisories. Each run opens the database in a new process (nothing cached, version
   parsing cold); ``warm`` is a second pass in the same process over the same store (what a
   long-running server sees).

Every measurement is a fresh ``python`` process (Python start-up and imports are not inside the
timed region; ``bench/scan_image.py`` and the report time whole CLI runs). Each is reported as the
median of ``--runs`` with wall time, CPU time of the process (``time.process_time``) and the load
average of the machine around it: on a shared, loaded machine the CPU time is the honest measure of
the work, wall time says what a user waited.

``--src DIR`` runs another bastion source tree (for example ``git worktree add /tmp/old <rev>``)
with the same harness, for before/after comparisons; revisions without ``match_packages`` are timed
through the per-package ``match_package`` loop their detector ran.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]

_ECO = {
    "PyPI": "PyPI",
    "Go": "Go",
    "crates.io": "crates.io",
    "npm": "npm",
    "Maven": "Maven",
    "NuGet": "NuGet",
    "RubyGems": "RubyGems",
    "Packagist": "Packagist",
}


def _osv_records(mirror: Path) -> int:
    n = 0
    for z in sorted((mirror / "osv").glob("*/all.zip")):
        with zipfile.ZipFile(z) as zf:
            n += sum(1 for i in zf.infolist() if i.filename.endswith(".json"))
    return n


def _hit_pool(mirror: Path) -> dict[tuple[str, str], list[str]]:
    """(ecosystem, name) → versions named by its advisories (listed versions and range events)."""
    pool: dict[tuple[str, str], set[str]] = {}
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


def make_mixes(mirror: Path, n: int, seed: int = 7) -> dict[str, list[tuple[str, str, str]]]:
    rng = random.Random(seed)
    pool = _hit_pool(mirror)
    names = sorted(pool)
    hits = [(eco, name, rng.choice(pool[(eco, name)])) for eco, name in (rng.choice(names) for _ in range(n))]
    misses = [("npm", f"no-advisory-package-{i}", "1.0.0") for i in range(n)]
    return {
        "realistic": [hits[i] if i % 10 == 0 else misses[i] for i in range(n)],
        "hits": hits,
        "none": misses,
    }


# -- one measurement, in a fresh process ------------------------------------------------------------


def _timed(fn: Any) -> tuple[Any, float, float]:
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def once_import(mirror: Path, sources: str, out: Path) -> dict[str, Any]:
    t0 = time.perf_counter()
    from bastion.vulndb.update import update_db

    imports = time.perf_counter() - t0
    chosen = ["osv"] if sources == "osv" else ["osv", "debian", "alpine", "kev", "epss"]
    _, wall, cpu = _timed(lambda: update_db(out, mirror=mirror, sources=chosen))
    from bastion.vulndb.store import SqliteStore

    with SqliteStore(out) as s:
        counts = s.counts()
    return {
        "wall": wall,
        "cpu": cpu,
        "import_seconds": imports,
        "advisories": counts["advisories"] + counts["withdrawn"],
        "db_bytes": out.stat().st_size,
    }


def once_match(db: Path, mix_file: Path, mix: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from bastion.detectors import vulns
    from bastion.model import Ecosystem, Package
    from bastion.vulndb.store import SqliteStore

    imports = time.perf_counter() - t0
    items = json.loads(mix_file.read_text())[mix]
    pkgs = [Package(name, ver, Ecosystem(eco), f"pkg:x/{name}@{ver}") for eco, name, ver in items]
    batched = getattr(vulns, "match_packages", None)

    def run(store: Any) -> int:
        if batched is not None:
            return sum(len(m.findings) for _, m in batched(store, pkgs, None))
        cache: dict[Any, Any] = {}  # what the earlier detector ran: one lookup per package
        return sum(len(vulns.match_package(store, p, None, cache).findings) for p in pkgs)

    def cold() -> tuple[Any, int]:
        store = SqliteStore(db)
        return store, run(store)

    (store, findings), wall, cpu = _timed(cold)
    warm_findings, warm_wall, warm_cpu = _timed(lambda: run(store))
    store.close()
    assert warm_findings == findings
    return {
        "wall": wall,
        "cpu": cpu,
        "warm_wall": warm_wall,
        "warm_cpu": warm_cpu,
        "findings": findings,
        "packages": len(pkgs),
        "import_seconds": imports,
    }


# -- the harness ------------------------------------------------------------------------------------


def child_env(src: Path | None, pycache: Path) -> dict[str, str]:
    """The children's environment: bytecode cached under ``pycache`` (as an installed package has
    it; without it, every edited module would be compiled again in every run)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    if src is not None:
        env["PYTHONPATH"] = f"{src}{os.pathsep}{env.get('PYTHONPATH', '')}"
    return env


_ENV: dict[str, str] = {}


def _child(args: list[str], src: Path | None) -> dict[str, Any]:
    env = _ENV
    load = os.getloadavg()[0]
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")
    out: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    out["load"] = (load + os.getloadavg()[0]) / 2
    return out


def _med(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--from", dest="mirror", type=Path, default=REPO.parent / "shared" / "vulndata")
    ap.add_argument("--packages", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--src", type=Path, help="bastion source tree to run (default: the installed one)")
    ap.add_argument("--mixes", default="realistic,hits,none")
    ap.add_argument("--skip-import", action="store_true", help="only build the database once")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--_once", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._once:
        kind, *rest = args._once
        if kind == "import":
            result = once_import(args.mirror, rest[0], Path(rest[1]))
        else:
            result = once_match(Path(rest[0]), Path(rest[1]), rest[2])
        print(json.dumps(result))
        return 0

    src = args.src.resolve() if args.src else None
    records = _osv_records(args.mirror)
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_start": os.getloadavg()},
        "src": str(src or "installed"),
        "python": sys.version.split()[0],
    }
    print(
        f"bastion: {report['src']}   python {report['python']}   cpus {os.cpu_count()}   "
        f"load average at start {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory(prefix="bastion-bench-") as tmp:
        _ENV.update(child_env(src, Path(tmp) / "pycache"))
        db = Path(tmp) / "bench.db"
        _child(["--_once", "import", "osv", str(Path(tmp) / "warm-up.db")], src)  # writes the bytecode
        imports: dict[str, list[dict[str, Any]]] = {}
        kinds = [("osv", records, "OSV records")] if not args.skip_import else []
        kinds.append(("all", 0, "advisories"))
        for sources, _n, _ in kinds:
            for i in range(1 if args.skip_import else args.runs):
                out = Path(tmp) / f"{sources}-{i}.db"
                imports.setdefault(sources, []).append(_child(["--_once", "import", sources, str(out)], src))
                if sources == "all" and not db.exists():
                    out.replace(db)
                else:
                    out.unlink()
        print("\nimport (fresh process each; median of runs)")
        for sources, n, what in kinds:
            runs = imports[sources]
            count = n or int(_med(runs, "advisories"))
            wall, cpu = _med(runs, "wall"), _med(runs, "cpu")
            line = {
                "runs": len(runs),
                "items": count,
                "wall": wall,
                "cpu": cpu,
                "per_s_wall": count / wall,
                "per_s_cpu": count / cpu,
                "db_bytes": int(_med(runs, "db_bytes")),
                "load": _med(runs, "load"),
            }
            report[f"import_{sources}"] = line
            print(
                f"  {sources:<4} {count:>6} {what:<12} wall {wall:6.3f}s  cpu {cpu:6.3f}s  "
                f"{count / wall:>8,.0f}/s wall  {count / cpu:>8,.0f}/s cpu  db {line['db_bytes'] / 1e6:5.1f} MB  "
                f"load {line['load']:.1f}  (n={len(runs)})"
            )
        mix_file = Path(tmp) / "mixes.json"
        mix_file.write_text(json.dumps(make_mixes(args.mirror, args.packages)))
        print(f"\nmatching {args.packages:,} packages (fresh process each; median of {args.runs} runs)")
        for mix in args.mixes.split(","):
            runs = [_child(["--_once", "match", str(db), str(mix_file), mix], src) for _ in range(args.runs)]
            n = runs[0]["packages"]
            line = {
                "runs": len(runs),
                "packages": n,
                "findings": runs[0]["findings"],
                "wall": _med(runs, "wall"),
                "cpu": _med(runs, "cpu"),
                "warm_wall": _med(runs, "warm_wall"),
                "warm_cpu": _med(runs, "warm_cpu"),
                "load": _med(runs, "load"),
                "import_seconds": _med(runs, "import_seconds"),
            }
            for k in ("wall", "cpu", "warm_wall", "warm_cpu"):
                line[f"{k}_packages_per_s"] = n / line[k]
            report[f"match_{mix}"] = line
            print(
                f"  {mix:<9} cold: wall {line['wall']:6.3f}s cpu {line['cpu']:6.3f}s = "
                f"{line['wall_packages_per_s']:>8,.0f}/s wall {line['cpu_packages_per_s']:>8,.0f}/s cpu   "
                f"warm: {line['warm_wall_packages_per_s']:>8,.0f}/s wall {line['warm_cpu_packages_per_s']:>8,.0f}/s cpu   "
                f"{line['findings']} findings  load {line['load']:.1f}"
            )
    report["machine"]["load_end"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
