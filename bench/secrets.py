"""Secrets benchmark: accuracy on the labelled corpus and speed on a large real tree, beside peers.

    .venv/bin/python bench/secrets.py                      # both parts
    .venv/bin/python bench/secrets.py accuracy             # corpus only
    .venv/bin/python bench/secrets.py speed --runs 5 --tree /root/.pyenv/versions/3.11.7/lib

**Accuracy.** ``tests/fixtures/secrets/generate.py`` builds the corpus in a temporary directory;
bastion, gitleaks (``gitleaks dir``) and Trivy (``trivy fs --scanners secret``) scan it. A finding
counts as a true positive when it is on a labelled line (the peers' rule names differ from bastion's,
so for them the line decides; for bastion the rule id must match too); any other finding is a false
positive. Entries the corpus marks "suppressed" (real-format secrets in test-fixture paths or behind
an inline ``bastion:ignore``) are scored for bastion (they must come out suppressed) and ignored for
the peers. The corpus is bastion's own: it covers bastion's rule table, so it measures how much of
that ground each tool covers — not a neutral benchmark.

**Speed.** Every tool scans the same tree from inside it (target ``.``; gitleaks' default allow-list
skips any path containing ``lib/python3.x``, which would skip everything if the tree were given by
absolute path). Each tool runs ``--runs`` times; the table shows the median wall time, throughput and
the ratio to gitleaks. bastion runs through its CLI (``bastion scan fs . --scanners secret``), so the
scanner's walk, reads and the JSON report are all included.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from _peers import ensure_peers, peer_version  # noqa: E402

from tests.fixtures.secrets.generate import build_corpus  # noqa: E402

BASTION = REPO / ".venv" / "bin" / "bastion"
DEFAULT_TREE = Path("/root/.pyenv/versions/3.11.7/lib")


# -- running the tools --------------------------------------------------------------------------------


def run_bastion(target: Path, out: Path, cwd: Path | None = None, extra: list[str] | None = None) -> float:
    cmd = [
        str(BASTION),
        "scan",
        "fs",
        str(target),
        "--scanners",
        "secret",
        "-q",
        "-f",
        "json",
        "-o",
        str(out),
    ]
    cmd += ["--exit-code", "0", "--no-config", *(extra or [])]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_gitleaks(exe: Path, target: Path, out: Path, cwd: Path | None = None) -> float:
    cmd = [
        str(exe),
        "dir",
        str(target),
        "--no-banner",
        "--exit-code",
        "0",
        "-f",
        "json",
        "-r",
        str(out),
        "-l",
        "error",
    ]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def run_trivy(exe: Path, target: Path, out: Path, cache: Path, cwd: Path | None = None) -> float:
    cmd = [
        str(exe),
        "fs",
        "--scanners",
        "secret",
        "--format",
        "json",
        "--output",
        str(out),
        "--cache-dir",
        str(cache),
        "--skip-db-update",
        "--offline-scan",
        "--timeout",
        "60m",
        "-q",
        str(target),
    ]
    t = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def bastion_findings(report: Path) -> list[tuple[str, int, str, bool]]:
    doc = json.loads(report.read_text())
    out = []
    for f in doc["findings"]:
        loc = f.get("location") or {}
        out.append((loc.get("path") or "", loc.get("line") or 0, f["id"], f.get("suppressed") is not None))
    return out


def gitleaks_findings(report: Path, root: Path) -> list[tuple[str, int, str]]:
    out = []
    for f in json.loads(report.read_text() or "[]"):
        path = os.path.relpath(f["File"], root) if os.path.isabs(f["File"]) else f["File"]
        out.append((Path(path).as_posix(), int(f["StartLine"]), f["RuleID"]))
    return out


def trivy_findings(report: Path) -> list[tuple[str, int, str]]:
    doc = json.loads(report.read_text())
    out = []
    for r in doc.get("Results") or []:
        for s in r.get("Secrets") or []:
            out.append((r["Target"], int(s["StartLine"]), s["RuleID"]))
    return out


# -- accuracy ------------------------------------------------------------------------------------------


def score_lines(found: list[tuple[str, int, str]], labels: dict[str, Any]) -> dict[str, Any]:
    """Line-level scoring for tools whose rule names are not bastion's."""
    positives = {(p["path"], p["line"]) for p in labels["positives"]}
    ignored = {(s["path"], s["line"]) for s in labels["suppressed"]}
    hit: set[tuple[str, int]] = set()
    fp = 0
    for path, line, _rule in found:
        key = (path, line)
        if key in positives:
            hit.add(key)
        elif key not in ignored:
            fp += 1
    tp = len(hit)
    by_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in labels["positives"]:
        by_rule[p["rule"]][1] += 1
        if (p["path"], p["line"]) in hit:
            by_rule[p["rule"]][0] += 1
    return {
        "tp": tp,
        "fp": fp,
        "fn": len(positives) - tp,
        "recall": tp / len(positives) if positives else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "rules_covered": sum(1 for h, _n in by_rule.values() if h),
        "rules_total": len(by_rule),
    }


def score_bastion(found: list[tuple[str, int, str, bool]], labels: dict[str, Any]) -> dict[str, Any]:
    positives = {(p["path"], p["line"], p["rule"]) for p in labels["positives"]}
    must_suppress = {(s["path"], s["line"], s["rule"]) for s in labels["suppressed"]}
    hit = set()
    fp = 0
    suppressed_ok = 0
    per_rule: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, fp, positives
    for p in positives:
        per_rule[p[2]][2] += 1
    for path, line, rule, suppressed in found:
        key = (path, line, rule)
        if suppressed:
            suppressed_ok += key in must_suppress
            continue
        if key in positives:
            hit.add(key)
            per_rule[rule][0] += 1
        else:
            fp += 1
            per_rule[rule][1] += 1
    tp = len(hit)
    return {
        "tp": tp,
        "fp": fp,
        "fn": len(positives) - tp,
        "recall": tp / len(positives),
        "precision": tp / (tp + fp) if tp + fp else 0.0,
        "suppressed_as_expected": f"{suppressed_ok}/{len(must_suppress)}",
        "rules_covered": sum(1 for r in per_rule.values() if r[0]),
        "rules_total": len(per_rule),
        "per_rule": per_rule,
    }


def accuracy(args: argparse.Namespace) -> None:
    peers = ensure_peers("gitleaks", "trivy")
    with tempfile.TemporaryDirectory(prefix="bastion-corpus-") as tmp:
        root = Path(tmp) / "corpus"
        labels = build_corpus(root)
        (root / "labels.json").unlink()  # not part of what the tools scan
        print(
            f"corpus: {len(labels['positives'])} labelled secrets over {len(set(p['path'] for p in labels['positives']))} files, "
            f"{len(labels['decoy_files'])} decoy files"
        )
        results: dict[str, dict[str, Any]] = {}
        out = Path(tmp) / "bastion.json"
        t = run_bastion(Path("."), out, cwd=root)
        results["bastion"] = score_bastion(bastion_findings(out), labels) | {"seconds": t}
        if peers.get("gitleaks"):
            out = Path(tmp) / "gitleaks.json"
            t = run_gitleaks(peers["gitleaks"], Path("."), out, cwd=root)
            results["gitleaks " + peer_version(peers["gitleaks"])] = score_lines(
                gitleaks_findings(out, root), labels
            ) | {"seconds": t}
        if peers.get("trivy"):
            out = Path(tmp) / "trivy.json"
            t = run_trivy(peers["trivy"], Path("."), out, Path(tmp) / "trivy-cache", cwd=root)
            results["trivy " + peer_version(peers["trivy"]).replace("Version: ", "")] = score_lines(
                trivy_findings(out), labels
            ) | {"seconds": t}
    print()
    print(f"{'tool':<22} {'recall':>7} {'precision':>9} {'TP':>5} {'FP':>5} {'FN':>5} {'rules hit':>10}")
    for name, r in results.items():
        print(
            f"{name:<22} {r['recall']:>7.3f} {r['precision']:>9.3f} {r['tp']:>5} {r['fp']:>5} {r['fn']:>5} "
            f"{r['rules_covered']:>4}/{r['rules_total']:<5}"
        )
    b = results["bastion"]
    print(f"\nbastion: suppressed as expected {b['suppressed_as_expected']}")
    weak = [
        (rule, v)
        for rule, v in sorted(b["per_rule"].items())
        if v[2] and (v[0] / v[2] < 0.95 or (v[0] + v[1] and v[0] / (v[0] + v[1]) < 0.95))
    ]
    print("bastion rules under 0.95 recall or precision:", ", ".join(f"{r} {v}" for r, v in weak) or "none")


# -- speed ---------------------------------------------------------------------------------------------


def tree_bytes(root: Path) -> tuple[int, int]:
    files = total = 0
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if not os.path.islink(p):
                files += 1
                total += st.st_size
    return files, total


def speed(args: argparse.Namespace) -> None:
    tree = Path(args.tree)
    peers = ensure_peers("gitleaks", "trivy")
    files, size = tree_bytes(tree)
    print(f"tree: {tree} — {files} files, {size / 1e6:.0f} MB; {args.runs} runs per tool, median wall time")
    tools: dict[str, Any] = {"bastion": lambda out, _c: run_bastion(Path("."), out, cwd=tree)}
    if peers.get("gitleaks"):
        tools["gitleaks"] = lambda out, _c: run_gitleaks(peers["gitleaks"], Path("."), out, cwd=tree)
    if peers.get("trivy") and not args.no_trivy:
        tools["trivy"] = lambda out, c: run_trivy(peers["trivy"], Path("."), out, c, cwd=tree)
    times: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bastion-speed-") as tmp:
        # warm the page cache once, so every tool reads the same (cached) tree
        subprocess.run(
            ["find", str(tree), "-type", "f", "-exec", "cat", "{}", "+"],
            stdout=subprocess.DEVNULL,
            check=False,
        )
        for i in range(args.runs):
            for name, fn in tools.items():  # interleaved: machine noise hits every tool alike
                out = Path(tmp) / f"{name}-{i}.json"
                times[name].append(fn(out, Path(tmp) / "trivy-cache"))
                if name == "bastion":
                    counts[name] = sum(1 for f in bastion_findings(out) if not f[3])
                elif name == "gitleaks":
                    counts[name] = len(gitleaks_findings(out, tree))
                else:
                    counts[name] = len(trivy_findings(out))
                print(f"  run {i + 1} {name}: {times[name][-1]:.1f} s", flush=True)
    base = statistics.median(times["gitleaks"]) if "gitleaks" in times else None
    print()
    print(f"{'tool':<10} {'median s':>9} {'min s':>7} {'MB/s':>7} {'vs gitleaks':>12} {'findings':>9}")
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = f"{base / med:.2f}x" if base else "-"
        print(
            f"{name:<10} {med:>9.1f} {min(ts):>7.1f} {size / 1e6 / med:>7.1f} {ratio:>12} {counts.get(name, 0):>9}"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("part", nargs="?", choices=["accuracy", "speed", "all"], default="all")
    ap.add_argument("--tree", default=str(DEFAULT_TREE))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-trivy", action="store_true", help="skip trivy in the speed part (it is slow)")
    args = ap.parse_args()
    if not BASTION.exists():
        sys.exit(f"{BASTION} not found: create the venv first")
    if args.part in ("accuracy", "all"):
        accuracy(args)
    if args.part in ("speed", "all"):
        speed(args)


if __name__ == "__main__":
    main()
