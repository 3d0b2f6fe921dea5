#!/usr/bin/env python3
"""bastion vs checkov on the same IaC directories: which checks both flag, which only one flags,
and the wall time of each (median of several runs).

    python bench/compare_misconfig.py DIR [DIR …] [--runs 5] [--checkov PATH] [--json OUT]

Findings are paired on (file, resource) through ``bench/checkov_map.yaml`` (bastion id → checkov ids).
Resources are compared by a normalised key: Terraform ``type.name`` (module prefixes dropped, the
``aws_s3_bucket_*`` companions folded into their bucket), Kubernetes ``Kind/name``, CloudFormation
``Type/LogicalId``, Dockerfiles by file. checkov comes from ``$BASTION_PEERS_BIN``,
``~/.cache/bastion-peers/bin`` (``../shared/tools/get-peers.sh`` installs it) or ``$PATH``.
Benchmarks only: the test suite never needs checkov.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MAP = HERE / "checkov_map.yaml"
Key = tuple[str, str]  # (file relative to the scanned dir, normalised resource)


def find_checkov(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    dirs = [os.environ.get("BASTION_PEERS_BIN", ""), str(Path.home() / ".cache/bastion-peers/bin")]
    for d in dirs:
        p = Path(d) / "checkov"
        if d and p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return shutil.which("checkov")


def bastion_cmd() -> list[str]:
    exe = Path(sys.executable).with_name("bastion")
    if exe.exists():
        return [str(exe)]
    venv = REPO / ".venv" / "bin" / "bastion"
    return [str(venv)] if venv.exists() else ["bastion"]


def timed(cmd: list[str], runs: int) -> tuple[list[float], str]:
    times, out = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        out = proc.stdout
    return times, out


def norm_resource(file: str, resource: str, kind: str) -> str:
    resource = resource.strip()
    if (
        kind == "dockerfile"
        or file.rsplit("/", 1)[-1].lower().startswith("dockerfile")
        or file.lower().endswith(".dockerfile")
    ):
        return ""
    if kind == "kubernetes":
        parts = re.split(r"[/.]", resource) if "/" in resource else resource.split(".")
        return f"{parts[0]}/{parts[-1]}" if len(parts) >= 2 else resource
    if kind == "cloudformation" or "::" in resource:
        return resource.replace("/", ".", 1) if "/" in resource else resource
    # terraform (HCL or plan)
    resource = re.sub(r"^(module\.[^.]+\.)+", "", resource)
    rtype, _, name = resource.rpartition(".")
    rtype = re.sub(r"^aws_s3_bucket_\w+$", "aws_s3_bucket", rtype)
    return f"{rtype}.{name}"


def bastion_findings(result: dict) -> dict[Key, set[str]]:
    out: dict[Key, set[str]] = defaultdict(set)
    for f in result.get("findings", []):
        if f.get("kind") != "misconfig" or f.get("suppressed"):
            continue
        loc = f.get("location") or {}
        path = loc.get("path") or ""
        ftype = (f.get("evidence") or {}).get("file_type", "")
        kind = (
            "kubernetes"
            if ftype == "kubernetes"
            else "cloudformation"
            if ftype == "cloudformation"
            else "dockerfile"
            if ftype == "dockerfile"
            else "terraform"
        )
        if ftype in ("compose", "image-config"):
            kind = ftype
        out[(path, norm_resource(path, loc.get("resource") or "", kind))].add(f["id"])
    return out


def checkov_findings(reports: object) -> tuple[dict[Key, set[str]], dict[str, str]]:
    out: dict[Key, set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for rep in reports if isinstance(reports, list) else [reports]:
        if not isinstance(rep, dict):
            continue
        kind = str(rep.get("check_type", ""))
        for f in (rep.get("results") or {}).get("failed_checks", []):
            path = str(f.get("file_path", "")).lstrip("/")
            names[f["check_id"]] = f.get("check_name", "")
            out[
                (
                    path,
                    norm_resource(
                        path,
                        str(f.get("resource", "")),
                        "terraform" if kind.startswith("terraform") else kind,
                    ),
                )
            ].add(f["check_id"])
    return out, names


def compare(
    ours: dict[Key, set[str]], theirs: dict[Key, set[str]], mapping: dict[str, list[str]]
) -> dict[str, Counter[str]]:
    reverse: dict[str, set[str]] = defaultdict(set)
    for b, cks in mapping.items():
        for c in cks:
            reverse[c].add(b)
    both: Counter[str] = Counter()
    only_bastion: Counter[str] = Counter()
    only_checkov: Counter[str] = Counter()
    for key in set(ours) | set(theirs):
        b_ids, c_ids = ours.get(key, set()), theirs.get(key, set())
        matched_c: set[str] = set()
        for b in sorted(b_ids):
            hit = set(mapping.get(b, ())) & c_ids
            if hit:
                both[f"{b} = {', '.join(sorted(hit))}"] += 1
                matched_c |= hit
            else:
                only_bastion[b] += 1
        for c in sorted(c_ids - matched_c):
            equivalent = reverse.get(c, set())
            label = f"{c} (bastion: {', '.join(sorted(equivalent))} did not fire here)" if equivalent else c
            only_checkov[label] += 1
    return {"both": both, "only_bastion": only_bastion, "only_checkov": only_checkov}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dirs", nargs="+", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--checkov")
    ap.add_argument("--json", type=Path, help="also write the comparison as JSON")
    args = ap.parse_args(argv)
    checkov = find_checkov(args.checkov)
    if checkov is None:
        print("checkov not found: run ../shared/tools/get-peers.sh or pass --checkov", file=sys.stderr)
        return 2
    mapping = yaml.safe_load(MAP.read_text()) or {}
    summary: dict[str, object] = {}
    for d in args.dirs:
        d = d.resolve()
        b_cmd = [
            *bastion_cmd(),
            "scan",
            "config",
            str(d),
            "--format",
            "json",
            "--quiet",
            "--no-config",
            "--exit-code",
            "0",
            "--scanners",
            "misconfig",
        ]
        c_cmd = [checkov, "-d", str(d), "-o", "json", "--quiet", "--skip-download"]
        b_times, b_out = timed(b_cmd, args.runs)
        c_times, c_out = timed(c_cmd, args.runs)
        b_result = json.loads(b_out)
        c_reports = json.loads(c_out) if c_out.strip() else []
        ours = bastion_findings(b_result)
        theirs, names = checkov_findings(c_reports)
        cmp = compare(ours, theirs, mapping)
        b_med, c_med = statistics.median(b_times), statistics.median(c_times)
        print(f"\n## {d}\n")
        print(
            f"wall time, median of {args.runs}: bastion {b_med:.2f} s, checkov {c_med:.2f} s, ratio {c_med / b_med:.1f}x"
        )
        print(
            f"findings: bastion {sum(len(v) for v in ours.values())}, checkov {sum(len(v) for v in theirs.values())} (failed checks, unsuppressed)"
        )
        print(f"errors reported by bastion: {len(b_result.get('errors', []))}")
        for title, key in (
            ("both flag", "both"),
            ("only bastion flags", "only_bastion"),
            ("only checkov flags", "only_checkov"),
        ):
            rows = cmp[key]
            print(f"\n### {title} ({sum(rows.values())} findings, {len(rows)} checks)\n")
            print("| check | count |\n| --- | --- |")
            for label, n in sorted(rows.items()):
                cid = label.split(" ", 1)[0]
                extra = f" — {names[cid][:70]}" if key == "only_checkov" and cid in names else ""
                print(f"| {label}{extra} | {n} |")
        summary[str(d)] = {
            "bastion_seconds": b_times,
            "checkov_seconds": c_times,
            "both": dict(cmp["both"]),
            "only_bastion": dict(cmp["only_bastion"]),
            "only_checkov": dict(cmp["only_checkov"]),
        }
    if args.json:
        args.json.write_text(json.dumps(summary, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
