"""Benchmark (not a test): package inventory of a large image and a big source tree, bastion vs syft vs trivy.

    .venv/bin/python bench/inventory_speed.py [--runs 3] [--image SPEC ...] [--tree DIR ...] [--skip-peers]

What each command does (every run a fresh process with fresh cache directories, so nothing is reused):

- bastion: ``bastion scan fs DIR --scanners license -f json`` (``scan image oci:DIR`` for images): the
  inventory path a user runs — open the target (an image's layers decompressed and squashed), walk it
  once, run every extractor on the files it wants, resolve dependencies — plus the licence check on the
  packages found and bastion's JSON result; no vulnerability database, no secret or misconfiguration
  scanning. This is the row that measures inventory;
- bastion-sbom: ``bastion sbom fs DIR|image oci:DIR -f cyclonedx-json``: the same inventory encoded as
  CycloneDX by cyclonedx-python-lib, the same kind of document the peers write below;
- syft: ``syft scan dir:DIR|oci-dir:DIR -o cyclonedx-json``, its default catalogers for the source kind;
- trivy: ``trivy fs DIR`` / ``trivy image --input DIR`` with ``--format cyclonedx --scanners license
  --offline-scan --skip-db-update`` (the CycloneDX format lists every package; no database is needed).

Peers run in their default mode, which does *less* than bastion: syft's directory mode skips installed
``node_modules`` packages and its image mode skips lockfiles, trivy fs skips installed packages and OS
databases. bastion always runs all of its extractors. So a tie favours the peers.

Targets (built once under bench/out/ and reused):

- ``python-image``: the 7-layer OCI image ``bench/walk_image.py`` builds from this machine's Python
  installation (~100 MB of gzip layers, ~290 MB unpacked); pass more with ``--image oci:DIR``;
- ``source-tree``: ``bench/out/source-tree`` = ``../shared/fixtures`` + a node project with a big
  ``node_modules`` (``npm install`` of popular packages, once) + the Python lib dir (stdlib and
  site-packages), hard-linked where the filesystem allows; pass more with ``--tree DIR``.

One untimed warm-up run of every tool precedes the timed runs. Prints, per target and tool, the median
wall time and median CPU time (user+sys of the process and its
children, from ``wait4``) over ``--runs`` interleaved runs, min/max, the package count of the last run,
and the load average before and after, since these 2-core machines are shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from _peers import ensure_peers, peer_version  # noqa: E402
from walk_image import DEFAULT_SOURCE, LAYOUT, build_layout  # noqa: E402

OUT = BENCH / "out"
TREE = OUT / "source-tree"
NODE_PROJECT = OUT / "node-project"
BASTION = REPO / ".venv" / "bin" / "bastion"
SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"
#: A front-end + back-end + tooling mix: ~300 packages in node_modules, with native and Go binaries.
NPM_PACKAGES = (
    "express", "lodash", "axios", "react", "react-dom", "webpack", "typescript", "@babel/core", "jest", "eslint",
)  # fmt: skip


TRIVY_PANICS = (
    "**/julia/manifest/testdata/missed-child-dep/Manifest.toml",
    "**/operator-only-dep/environment.yaml",
)


@dataclass
class Timing:
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    packages: int = 0
    command: str = ""


def _link_copy(src: Path, dst: Path) -> None:
    """Hard-link ``src`` into ``dst`` (a real copy when hard links cannot cross filesystems)."""
    if dst.exists():
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    if subprocess.run(["cp", "-al", str(src), str(dst)], capture_output=True, check=False).returncode != 0:
        shutil.rmtree(dst, ignore_errors=True)
        shutil.copytree(src, dst, symlinks=True)


def build_node_project(dest: Path) -> Path:
    if (dest / "node_modules").is_dir():
        return dest
    print(f"building {dest} (npm install, once) …", file=sys.stderr)
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "init", "-y"], cwd=dest, capture_output=True, check=True)
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", *NPM_PACKAGES],
        cwd=dest,
        capture_output=True,
        check=True,
    )
    return dest


def build_tree(dest: Path, python_lib: Path, node_project: Path) -> Path:
    _link_copy(SHARED_FIXTURES, dest / "fixtures")
    _link_copy(node_project, dest / "node-project")
    _link_copy(python_lib, dest / "python-lib")
    return dest


def _count_packages(path: Path) -> int:
    """Library components of a CycloneDX document, or the ``packages`` of bastion's JSON result."""
    try:
        doc = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return -1
    if "packages" in doc:
        return len(doc["packages"])
    return sum(1 for c in doc.get("components") or () if c.get("type") == "library")


def _run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user+sys of the process tree) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:4])} … exit {proc.returncode}: {stderr[-1200:]}")
    return wall, usage.ru_utime + usage.ru_stime


def commands(
    tool: str, exe: Path, kind: str, path: Path, tmp: Path
) -> tuple[list[str], Path, dict[str, str]]:
    out = tmp / f"{tool}.cdx.json"
    env = dict(os.environ)
    cache = ["--cache-dir", str(tmp / "c")]
    if tool == "bastion":
        out = tmp / "bastion.json"
        target = ["fs", str(path)] if kind == "dir" else ["image", f"oci:{path}"]
        flags = [
            "--scanners",
            "license",
            "-f",
            "json",
            "-q",
            "-o",
            str(out),
            "--exit-code",
            "0",
            "--no-config",
        ]
        cmd = [str(exe), "scan", *target, *flags, *cache]
    elif tool == "bastion-sbom":
        target = ["fs", str(path)] if kind == "dir" else ["image", f"oci:{path}"]
        cmd = [str(exe), "sbom", *target, "-f", "cyclonedx-json", "-q", "-o", str(out), *cache]
    elif tool == "syft":
        source = f"dir:{path}" if kind == "dir" else f"oci-dir:{path}"
        cmd = [str(exe), "scan", source, "-o", f"cyclonedx-json={out}", "-q"]
        env.update(SYFT_CHECK_FOR_APP_UPDATE="false", SYFT_CACHE_DIR=str(tmp / "c"))
    else:
        target = ["fs", str(path)] if kind == "dir" else ["image", "--input", str(path)]
        for glob in TRIVY_PANICS if kind == "dir" else ():  # two tiny fixtures on which trivy 0.59.1 panics
            target += ["--skip-files", glob]
        flags = [
            "--format",
            "cyclonedx",
            "--scanners",
            "license",
            "--skip-db-update",
            "--skip-java-db-update",
        ]
        cmd = [str(exe), *target, *flags, "--offline-scan", "--quiet", *cache, "--output", str(out)]
    return cmd, out, env


def bench(
    targets: list[tuple[str, str, Path]], tools: dict[str, Path], runs: int
) -> dict[str, dict[str, Timing]]:
    results: dict[str, dict[str, Timing]] = {}
    for label, kind, path in targets:
        results[label] = {tool: Timing() for tool in tools}
        for tool, exe in tools.items():  # one untimed run each: the page cache is warm for everyone
            with tempfile.TemporaryDirectory(prefix=f"bastion-speed-{tool}-") as tmpdir:
                cmd, _, env = commands(tool, exe, kind, path, Path(tmpdir))
                _run(cmd, env)
        for i in range(runs):
            for tool, exe in tools.items():  # interleaved, so drifting load hits every tool alike
                with tempfile.TemporaryDirectory(prefix=f"bastion-speed-{tool}-") as tmpdir:
                    tmp = Path(tmpdir)
                    cmd, out, env = commands(tool, exe, kind, path, tmp)
                    wall, cpu = _run(cmd, env)
                    t = results[label][tool]
                    t.wall.append(wall)
                    t.cpu.append(cpu)
                    t.packages = _count_packages(out)
                    t.command = " ".join(cmd).replace(str(tmp), "$TMP")
                print(
                    f"  {label} run {i + 1}/{runs} {tool}: {wall:.2f}s wall, {cpu:.2f}s cpu", file=sys.stderr
                )
    return results


def _loadavg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def report(results: dict[str, dict[str, Timing]], targets: list[tuple[str, str, Path]]) -> str:
    lines = []
    for label, kind, path in targets:
        lines.append(f"{label}  ({'directory' if kind == 'dir' else 'OCI image'} {path})")
        rows = results[label]
        base = statistics.median(rows["bastion"].wall) if "bastion" in rows else None
        lines.append(
            f"  {'tool':<12} {'wall median':>11} {'(min-max)':>13} {'cpu median':>10} {'packages':>8}  wall vs bastion"
        )
        for tool, t in rows.items():
            wall, cpu = statistics.median(t.wall), statistics.median(t.cpu)
            ratio = f"x{wall / base:.2f}" if base else ""
            spread = f"({min(t.wall):.2f}-{max(t.wall):.2f})"
            lines.append(f"  {tool:<12} {wall:>10.2f}s {spread:>13} {cpu:>9.2f}s {t.packages:>8}  {ratio}")
        for tool, t in rows.items():
            lines.append(f"    {tool}: {t.command}")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--image", action="append", default=[], help="more images: oci:DIR (repeatable)")
    ap.add_argument("--tree", action="append", default=[], type=Path, help="more directories (repeatable)")
    ap.add_argument("--no-defaults", action="store_true", help="only the --image/--tree targets")
    ap.add_argument(
        "--python", type=Path, default=DEFAULT_SOURCE, help="Python prefix for the default targets"
    )
    ap.add_argument("--node-project", type=Path, help="an installed node project (default: build one)")
    ap.add_argument("--skip-peers", action="store_true")
    ap.add_argument("--output", "-o", type=Path, help="also write the report here")
    args = ap.parse_args(argv)

    targets: list[tuple[str, str, Path]] = []
    if not args.no_defaults:
        build_layout(args.python, LAYOUT)
        targets.append(("python-image", "oci", LAYOUT))
        node = args.node_project or build_node_project(NODE_PROJECT)
        targets.append(("source-tree", "dir", build_tree(TREE, args.python / "lib" / "python3.11", node)))
    for spec in args.image:
        path = Path(spec.removeprefix("oci:")).resolve()
        targets.append((path.name, "oci", path))
    for tree in args.tree:
        targets.append((tree.name, "dir", tree.resolve()))

    tools: dict[str, Path] = {"bastion": BASTION, "bastion-sbom": BASTION}
    versions = [f"bastion ({REPO.name} checkout)"]
    if not args.skip_peers:
        peers = ensure_peers("syft", "trivy")
        for name in ("syft", "trivy"):
            if peers[name] is not None:
                tools[name] = peers[name]  # type: ignore[assignment]
                versions.append(peer_version(peers[name]))  # type: ignore[arg-type]
    for _, kind, path in targets:
        if kind == "dir":
            files = sum(len(f) for _, _, f in os.walk(path))
            print(f"{path}: {files} files", file=sys.stderr)

    before = _loadavg()
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    results = bench(targets, tools, args.runs)
    after = _loadavg()
    header = (
        f"# inventory_speed {started}, {os.cpu_count()} CPUs, {args.runs} runs per tool (interleaved)\n"
        f"# {', '.join(versions)}\n# load average before: {before}; after: {after}\n"
    )
    text = header + "\n" + report(results, targets)
    print(text)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
