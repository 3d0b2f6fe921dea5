"""Side by side: the packages syft, trivy and bastion find in the same targets, per ecosystem.

    .venv/bin/python bench/compare_inventory.py [options] TARGET...

TARGET is a directory, ``oci:DIR`` (an OCI layout), ``docker-archive:FILE``, or ``corpus:DIR``: a fixture
corpus whose files carry test names (``poetry_flask.lock``), first *staged* into a temporary tree where
each file has the name the tools look for (``python/poetry/poetry_flask/poetry.lock``; see
:func:`stage_corpus`).

Each tool writes CycloneDX JSON, which bastion's own SBOM decoder reads back into ``Package`` objects
(:mod:`bastion.sbom.registry`), so all three are read by one code path:

- bastion: ``bastion sbom [fs] TARGET -f cyclonedx-json``;
- syft: ``syft scan dir:DIR|oci-dir:DIR|docker-archive:FILE -o cyclonedx-json``. Syft picks catalogers by
  source: ``directory`` ones (lockfiles, no ``node_modules``) for a directory, ``image`` ones (installed
  packages, no lockfiles) for an image. bastion reads both kinds everywhere, so by default syft runs with
  ``--override-default-catalogers directory,image`` (``--peer-defaults`` keeps syft's own choice);
- trivy: ``trivy image --input PATH`` for images; for a directory ``trivy fs`` (lockfiles) *and* ``trivy
  rootfs`` (installed packages, OS databases), united (``--peer-defaults``: ``fs`` alone). All with
  ``--format cyclonedx --scanners license --skip-db-update --skip-java-db-update --offline-scan`` and a
  fresh ``--cache-dir``: the CycloneDX format lists every package and needs no vulnerability database;
  ``trivy fs`` also gets ``--include-dev-deps``, because bastion reports development dependencies too.

Packages are compared per ecosystem (the purl type: pypi, npm, golang, maven, deb, …) as
``name@version`` after normalising both: PEP 503 names for PyPI, ``group:artifact`` for Maven, the module
path for Go (syft's ``#v2`` purl subpath put back on the path), ``@scope/name`` for npm, Debian binary
names without ``:arch``, lower-case NuGet and Composer names; the epoch folded into deb/rpm versions
(``0:`` dropped), a leading ``v`` dropped for Go and Composer, ``go`` dropped from Go's ``stdlib``, PEP 440
normal form for PyPI. Packages without a version are compared by name alone (``name@``). Syft's OS
packages without a purl (a dpkg database without os-release) get one from ``syft:package:type``.

For every ecosystem it prints the count each tool finds, then the differences: found by syft and trivy
but not bastion (**bastion misses**) and found only by bastion, one a line with the file it came from;
the other classes compactly. ``--sets`` also prints every tool's full ``name@version`` set, ``--json FILE``
writes everything, ``--split`` also compares each staged folder of a corpus on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(BENCH))

from _peers import ensure_peers, peer_version  # noqa: E402

from bastion.model import Package  # noqa: E402
from bastion.sbom import registry as sbom_registry  # noqa: E402
from bastion.sbom._purl import parse as parse_purl  # noqa: E402

TOOLS = ("bastion", "syft", "trivy")
BASTION = REPO / ".venv" / "bin" / "bastion"


# -- staging a fixture corpus under the names the tools look for -------------------------------------


#: ``<parser dir relative to the corpus>`` → how a fixture there is staged: the file name it gets, or
#: ``"keep"`` (the fixture tree already uses real names), or a callable (fixture path → relative dest).
def _stem(p: Path) -> str:
    name = p.name
    for suffix in (
        ".mix.lock",
        ".sbt.lock",
        ".deps.json",
        ".lock",
        ".json",
        ".yaml",
        ".txt",
        ".toml",
        ".config",
    ):
        if name.endswith(suffix) and name != suffix:
            return name[: -len(suffix)]
    return name


def _dist_info(p: Path) -> str:
    name = p.name
    if name.endswith(".METADATA"):
        return f"site-packages/{name[: -len('.METADATA')]}.dist-info/METADATA"
    if name.endswith(".PKG-INFO"):
        stem = name[: -len(".PKG-INFO")].removesuffix(".egg-info")
        return f"site-packages/{stem}.egg-info/PKG-INFO"
    if name.endswith(".egg-info"):
        return f"site-packages/{name}"  # the single-file egg-info form
    return f"site-packages/{Path(name).stem}.dist-info/METADATA"  # invalid.json: a broken METADATA


STAGING: dict[str, object] = {
    "dependency/parser/c/conan": "conan.lock",
    "dependency/parser/conda/environment": "environment.yaml",
    "dependency/parser/conda/meta": lambda p: f"env/conda-meta/{p.name}",
    "dependency/parser/dart/pub": "pubspec.lock",
    "dependency/parser/dotnet/core_deps": lambda p: p.name,
    "dependency/parser/frameworks/wordpress": "wp-includes/version.php",
    "dependency/parser/golang/mod": "keep",
    "dependency/parser/golang/sum": "go.sum",
    "dependency/parser/gradle/lockfile": "gradle.lockfile",
    "dependency/parser/hex/mix": "mix.lock",
    "dependency/parser/java/jar": "keep",
    "dependency/parser/java/pom": "keep",
    "dependency/parser/julia/manifest": "keep",
    "dependency/parser/nodejs/bun": "bun.lock",
    "dependency/parser/nodejs/npm": "package-lock.json",
    "dependency/parser/nodejs/packagejson": lambda p: (
        f"node_modules/{_stem(p).replace('_', '-')}/package.json"
    ),
    "dependency/parser/nodejs/pnpm": "pnpm-lock.yaml",
    "dependency/parser/nodejs/yarn": "yarn.lock",
    "dependency/parser/nuget/config": "packages.config",
    "dependency/parser/nuget/lock": "packages.lock.json",
    "dependency/parser/nuget/packagesprops": "Directory.Packages.props",
    "dependency/parser/php/composer": "composer.lock",
    "dependency/parser/python/packaging": _dist_info,
    "dependency/parser/python/pip": "requirements.txt",
    "dependency/parser/python/pipenv": "Pipfile.lock",
    "dependency/parser/python/poetry": "poetry.lock",
    "dependency/parser/python/pylock": "pylock.toml",
    "dependency/parser/python/pyproject": "pyproject.toml",
    "dependency/parser/python/uv": "uv.lock",
    "dependency/parser/ruby/bundler": "Gemfile.lock",
    "dependency/parser/ruby/gemspec": lambda p: f"specifications/{_stem(p)}.gemspec",
    "dependency/parser/rust/cargo": "Cargo.lock",
    "dependency/parser/sbt/lockfile": "build.sbt.lock",
    "dependency/parser/swift/cocoapods": "Podfile.lock",
    "dependency/parser/swift/swift": "Package.resolved",
    "fanal/analyzer/pkg/apk": "lib/apk/db/installed",
    "fanal/analyzer/pkg/dpkg": "txtar",
}
#: Not staged: placeholders for binaries that were left out of the corpus, licence-only inputs.
NOT_STAGED = ("/golang/binary/", "/rust/binary/", "conda/meta/testdata/README.md", "-copyright")


#: Staged fixtures on which trivy 0.59.1 panics ("index out of range [0] with length 0"), ending the whole
#: run; they are skipped for trivy only (bastion reports them as errors, syft ignores them).
TRIVY_PANICS = (
    "conda/environment/operator-only-dep/environment.yaml",
    "julia/manifest/missed-child-dep/Manifest.toml",
)


def _txtar(data: str) -> dict[str, str]:
    """Go's txtar: ``-- name --`` lines start files."""
    files: dict[str, str] = {}
    current: str | None = None
    for line in data.splitlines(keepends=True):
        m = re.match(r"^-- (.+?) --\s*$", line)
        if m:
            current = m.group(1)
            files[current] = ""
        elif current is not None:
            files[current] += line
    return files


def stage_corpus(corpus: Path, dest: Path) -> tuple[Path, list[str]]:
    """Copy every fixture to ``dest/<parser dir>/<fixture stem>/<real file name>``.

    Each fixture gets a folder of its own, so tools that read a sibling manifest find none that belongs to
    another fixture. Returns the staged root and notes on what was left out.
    """
    notes: list[str] = []
    for parser_dir, rule in sorted(STAGING.items()):
        base = corpus / parser_dir / "testdata"
        if not base.is_dir():
            continue
        short = parser_dir.removeprefix("dependency/parser/").removeprefix("fanal/analyzer/pkg/")
        for src in sorted(p for p in base.rglob("*") if p.is_file()):
            rel_src = src.relative_to(corpus).as_posix()
            if any(x in rel_src for x in NOT_STAGED):
                notes.append(f"not staged: {rel_src}")
                continue
            if rule == "keep":
                out = dest / short / src.relative_to(base)
                if out.name == "gomod":
                    out = out.with_name("go.mod")
                elif re.fullmatch(r"Manifest_v[\d.]+\.toml", out.name):
                    out = out.parent / out.stem / "Manifest.toml"
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, out)
                continue
            if rule == "txtar":
                if src.suffix != ".txtar":
                    notes.append(f"not staged: {rel_src}")
                    continue
                for name, text in _txtar(src.read_text()).items():
                    out = dest / short / src.stem / name
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_text(text)
                continue
            name = rule(src) if callable(rule) else str(rule)
            out = dest / short / _stem(src) / name
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, out)
    return dest, notes


# -- running the tools ------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    commands: list[str]
    seconds: float
    packages: list[Package]
    error: str = ""


@dataclass
class Target:
    spec: str
    kind: str  # "dir" | "oci" | "docker-archive"
    path: Path
    label: str = ""
    notes: list[str] = field(default_factory=list)
    trivy_skip: list[str] = field(default_factory=list)


def parse_target(spec: str, workdir: Path) -> Target:
    if spec.startswith("oci:"):
        return Target(spec, "oci", Path(spec[4:]).resolve())
    if spec.startswith("docker-archive:"):
        return Target(spec, "docker-archive", Path(spec[len("docker-archive:") :]).resolve())
    if spec.startswith("corpus:"):
        src = Path(spec[len("corpus:") :]).resolve()
        dest = workdir / f"staged-{src.name}"
        if dest.exists():
            shutil.rmtree(dest)
        root, notes = stage_corpus(src, dest)
        skip = [p for p in TRIVY_PANICS if (root / p).is_file()]
        notes += [f"trivy --skip-files {p}: trivy 0.59.1 panics on it (index out of range)" for p in skip]
        return Target(spec, "dir", root, label=f"{src} (staged)", notes=notes, trivy_skip=skip)
    return Target(spec, "dir", Path(spec).resolve())


def _exec(cmd: list[str], out: Path, env: dict[str, str] | None = None) -> tuple[float, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, env=env, check=False)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        return elapsed, f"exit {proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}"
    if not out.is_file():
        out.write_bytes(proc.stdout)
    return elapsed, ""


def _decode(path: Path) -> list[Package]:
    sbom = sbom_registry.decode_bytes(path.read_bytes(), str(path))
    return list(sbom.packages)


#: syft package types whose components carry no purl when syft cannot tell the distribution (a dpkg
#: database without os-release): the purl type they stand for.
_SYFT_TYPES = {"deb": "deb", "apk": "apk", "rpm": "rpm"}


def _syft_purls(path: Path) -> None:
    """Give purl-less syft OS components a bare purl from ``syft:package:type`` (``pkg:deb/NAME@VER``)."""
    doc = json.loads(path.read_bytes())
    changed = False
    for comp in doc.get("components") or ():
        if comp.get("purl"):
            continue
        props = {p.get("name"): p.get("value") for p in comp.get("properties") or ()}
        ptype = _SYFT_TYPES.get(props.get("syft:package:type") or "")
        if ptype and comp.get("name"):
            from packageurl import PackageURL

            comp["purl"] = PackageURL(
                type=ptype, name=comp["name"], version=comp.get("version") or None
            ).to_string()
            changed = True
    if changed:
        path.write_text(json.dumps(doc))


def run_bastion(target: Target, tmp: Path) -> Run:
    out = tmp / "bastion.cdx.json"
    locator = {"dir": f"{target.path}", "oci": f"oci:{target.path}", "docker-archive": target.spec}[
        target.kind
    ]
    kind = ["fs"] if target.kind == "dir" else ["image"]
    cmd = [
        str(BASTION),
        "sbom",
        *kind,
        locator,
        "-f",
        "cyclonedx-json",
        "-q",
        "-o",
        str(out),
        "--cache-dir",
        str(tmp / "bastion-cache"),
    ]
    seconds, err = _exec(cmd, out)
    return Run("bastion", [" ".join(cmd)], seconds, [] if err else _decode(out), err)


def run_syft(syft: Path, target: Target, tmp: Path, defaults: bool) -> Run:
    out = tmp / "syft.cdx.json"
    source = {
        "dir": f"dir:{target.path}",
        "oci": f"oci-dir:{target.path}",
        "docker-archive": f"docker-archive:{target.path}",
    }[target.kind]
    cmd = [str(syft), "scan", source, "-o", f"cyclonedx-json={out}", "-q"]
    if not defaults:
        cmd += ["--override-default-catalogers", "directory,image"]
    env = {**os.environ, "SYFT_CHECK_FOR_APP_UPDATE": "false", "SYFT_CACHE_DIR": str(tmp / "syft-cache")}
    seconds, err = _exec(cmd, out, env)
    if not err:
        _syft_purls(out)
    return Run("syft", [" ".join(cmd)], seconds, [] if err else _decode(out), err)


def run_trivy(trivy: Path, target: Target, tmp: Path, defaults: bool) -> Run:
    common = [
        "--format",
        "cyclonedx",
        "--scanners",
        "license",
        "--skip-db-update",
        "--skip-java-db-update",
        "--offline-scan",
        "--quiet",
    ]
    if target.kind == "dir":
        # --include-dev-deps: bastion reports development dependencies too (only trivy fs knows the flag)
        modes = [["fs", str(target.path), "--include-dev-deps"]]
        modes += [] if defaults else [["rootfs", str(target.path)]]
    else:
        modes = [["image", "--input", str(target.path)]]
    packages: list[Package] = []
    commands, total, errors = [], 0.0, []
    for i, mode in enumerate(modes):
        out = tmp / f"trivy-{i}.cdx.json"
        cmd = [str(trivy), *mode, *common, "--cache-dir", str(tmp / f"trivy-cache-{i}"), "--output", str(out)]
        for skip in target.trivy_skip:
            cmd += ["--skip-files", str(target.path / skip)]
        seconds, err = _exec(cmd, out)
        commands.append(" ".join(cmd))
        total += seconds
        if err:
            errors.append(err)
        else:
            packages.extend(_decode(out))
    return Run("trivy", commands, total, packages, "; ".join(errors))


# -- normalisation ---------------------------------------------------------------------------------

_PEP503 = re.compile(r"[-_.]+")


def _pep440(version: str) -> str:
    try:
        from packaging.version import InvalidVersion, Version
    except ImportError:  # pragma: no cover - packaging is a bastion dependency
        return version
    try:
        return str(Version(version))
    except InvalidVersion:
        return version


def group_of(pkg: Package) -> str:
    purl = parse_purl(pkg.purl)
    return purl.type.lower() if purl is not None else "generic"


def normalise(pkg: Package) -> tuple[str, str, str]:
    """(ecosystem group, name, version) as compared."""
    group = group_of(pkg)
    name, version = pkg.name, pkg.version or ""
    if group == "pypi":
        name = _PEP503.sub("-", name).lower()
        version = _pep440(version) if version else version
    elif group == "golang":
        purl = parse_purl(pkg.purl)
        if purl is not None and purl.subpath and name.rstrip("/").endswith(purl.name):
            name = f"{name}/{purl.subpath}"  # syft writes a major-version suffix as the subpath: …/cpuid@v2.2.10#v2
        version = version.removeprefix("v")
        if name == "stdlib":
            version = version.removeprefix("go")
    elif group == "composer":
        name, version = name.lower(), version.removeprefix("v")
    elif group == "nuget":
        name = name.lower()
    elif group == "maven":
        purl = parse_purl(pkg.purl)
        if purl is not None:
            name = f"{purl.namespace}:{purl.name}" if purl.namespace else purl.name
    elif group in ("deb", "rpm"):
        name = name.split(":", 1)[0]
        version = version.removeprefix("0:")
    elif group == "npm":
        purl = parse_purl(pkg.purl)
        if purl is not None:
            name = f"{purl.namespace}/{purl.name}" if purl.namespace else purl.name
    return group, name, version


def index(packages: Iterable[Package]) -> dict[str, dict[str, set[str]]]:
    """group → ``name@version`` → the files it was found in."""
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for pkg in packages:
        group, name, version = normalise(pkg)
        paths = {loc.path for loc in pkg.locations if loc.path} or {"?"}
        out[group][f"{name}@{version}"].update(paths)
    return out


# -- comparison and report -------------------------------------------------------------------------

#: Columns of the per-ecosystem table: which tools found the package.
CLASSES: list[tuple[str, frozenset[str]]] = [
    ("all 3", frozenset(TOOLS)),
    ("syft+trivy (bastion MISSES)", frozenset({"syft", "trivy"})),
    ("bastion+syft", frozenset({"bastion", "syft"})),
    ("bastion+trivy", frozenset({"bastion", "trivy"})),
    ("bastion only", frozenset({"bastion"})),
    ("syft only", frozenset({"syft"})),
    ("trivy only", frozenset({"trivy"})),
]


def compare(runs: dict[str, Run]) -> dict[str, dict[str, object]]:
    idx = {tool: index(run.packages) for tool, run in runs.items()}
    groups = sorted(set().union(*(set(i) for i in idx.values())))
    result: dict[str, dict[str, object]] = {}
    for group in groups:
        sets = {tool: set(idx[tool].get(group, {})) for tool in TOOLS}
        every = set().union(*sets.values())
        by_class: dict[str, list[str]] = {label: [] for label, _ in CLASSES}
        for key in sorted(every):
            who = frozenset(t for t in TOOLS if key in sets[t])
            for label, members in CLASSES:
                if who == members:
                    by_class[label].append(key)
        where = {tool: {k: sorted(v) for k, v in idx[tool].get(group, {}).items()} for tool in TOOLS}
        result[group] = {
            "counts": {t: len(sets[t]) for t in TOOLS},
            "classes": by_class,
            "where": where,
            "sets": {t: sorted(sets[t]) for t in TOOLS},
        }
    return result


#: Classes listed one package a line with the files it came from; the others are listed compactly.
DETAILED = ("syft+trivy (bastion MISSES)", "bastion only")


def _wrap(keys: list[str], indent: str, width: int = 118) -> list[str]:
    out, line = [], indent
    for key in keys:
        if len(line) + len(key) + 1 > width and line.strip():
            out.append(line.rstrip())
            line = indent
        line += key + "  "
    if line.strip():
        out.append(line.rstrip())
    return out


def _short(path: str, root: str) -> str:
    return path.removeprefix(root.strip("/") + "/") if root else path


def report(target: Target, runs: dict[str, Run], table: dict[str, dict[str, object]], sets: bool) -> str:
    lines = [f"== {target.label or target.spec}", ""]
    for tool in TOOLS:
        run = runs[tool]
        status = f"ERROR {run.error}" if run.error else f"{len(run.packages)} packages"
        lines.append(f"  {tool:<8} {run.seconds:6.2f}s  {status}")
        for cmd in run.commands:
            lines.append(f"           $ {cmd}")
    lines.append("")
    head = f"  {'ecosystem':<10} {'bastion':>7} {'syft':>6} {'trivy':>6} │ " + " │ ".join(
        label.replace(" (bastion MISSES)", " miss") for label, _ in CLASSES
    )
    lines.append(head)
    lines.append("  " + "─" * (len(head) - 2))
    totals: dict[str, int] = defaultdict(int)
    for group, row in table.items():
        counts = row["counts"]
        classes = row["classes"]
        assert isinstance(counts, dict) and isinstance(classes, dict)
        cells = []
        for label, _ in CLASSES:
            n = len(classes[label])
            totals[label] += n
            width = len(label.replace(" (bastion MISSES)", " miss"))
            cells.append(f"{n:>{width}}")
        for t in TOOLS:
            totals[t] += counts[t]
        lines.append(
            f"  {group:<10} {counts['bastion']:>7} {counts['syft']:>6} {counts['trivy']:>6} │ "
            + " │ ".join(cells)
        )
    cells = [f"{totals[label]:>{len(label.replace(' (bastion MISSES)', ' miss'))}}" for label, _ in CLASSES]
    lines.append("  " + "─" * (len(head) - 2))
    lines.append(
        f"  {'total':<10} {totals['bastion']:>7} {totals['syft']:>6} {totals['trivy']:>6} │ "
        + " │ ".join(cells)
    )
    root = str(target.path) if target.kind == "dir" else ""
    for group, row in table.items():
        classes, where = row["classes"], row["where"]
        assert isinstance(classes, dict) and isinstance(where, dict)
        body: list[str] = []
        for label, members in CLASSES[1:]:
            keys = classes[label]
            if not keys:
                continue
            body.append(f"    {label} ({len(keys)}):")
            if label not in DETAILED:
                body.extend(_wrap(keys, "      "))
                continue
            for key in keys:
                tool = "bastion" if "bastion" in members else sorted(members)[0]
                files = where[tool].get(key, [])
                shown = ", ".join(_short(f, root) for f in files[:3]) + (
                    f", … ({len(files)} files)" if len(files) > 3 else ""
                )
                body.append(f"      {key:<60} {shown}")
        if sets:
            for tool in TOOLS:
                body.append(f"    {tool} set ({len(row['sets'][tool])}): " + " ".join(row["sets"][tool]))  # type: ignore[index]
        if body:
            lines.append("")
            lines.append(f"  [{group}]")
            lines.extend(body)
    if target.notes:
        lines.append("")
        lines.extend(f"  {n}" for n in target.notes)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("targets", nargs="+", metavar="TARGET")
    ap.add_argument("--sets", action="store_true", help="also print every tool's full name@version set")
    ap.add_argument("--json", type=Path, help="write the comparison as JSON")
    ap.add_argument("--output", "-o", type=Path, help="also write the text report here")
    ap.add_argument(
        "--peer-defaults",
        action="store_true",
        help="run syft/trivy with their default cataloger choice for the source kind",
    )
    ap.add_argument(
        "--split",
        action="store_true",
        help="for corpus: targets, also compare each staged ecosystem folder on its own",
    )
    ap.add_argument("--keep", type=Path, help="keep the tools' SBOMs and staged corpora in this directory")
    args = ap.parse_args(argv)

    peers = ensure_peers("syft", "trivy")
    if peers["syft"] is None or peers["trivy"] is None:
        print("syft and trivy are needed (../shared/tools/get-peers.sh installs them)", file=sys.stderr)
        return 2
    syft, trivy = peers["syft"], peers["trivy"]
    header = (
        f"# compare_inventory: bastion (this checkout), {peer_version(syft)}, {peer_version(trivy)}\n"
        f"# peer modes: {'defaults' if args.peer_defaults else 'syft directory+image catalogers; trivy fs+rootfs for directories'}\n"
    )
    texts = [header]
    print(header, flush=True)
    everything: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bastion-compare-") as tmpdir:
        work = args.keep or Path(tmpdir)
        work.mkdir(parents=True, exist_ok=True)
        targets: list[Target] = []
        for i, spec in enumerate(args.targets):
            tdir = work / f"t{i}"
            if tdir.exists():
                shutil.rmtree(tdir)
            tdir.mkdir()
            target = parse_target(spec, tdir)
            targets.append(target)
            if args.split and spec.startswith("corpus:"):
                for sub in sorted(p for p in target.path.iterdir() if p.is_dir()):
                    skip = [
                        s.removeprefix(f"{sub.name}/")
                        for s in target.trivy_skip
                        if s.startswith(f"{sub.name}/")
                    ]
                    targets.append(
                        Target(f"{spec}#{sub.name}", "dir", sub, f"{target.label}/{sub.name}", [], skip)
                    )
        for i, target in enumerate(targets):
            spec = target.spec
            tdir = work / f"run{i}"
            tdir.mkdir(exist_ok=True)
            runs = {
                "bastion": run_bastion(target, tdir),
                "syft": run_syft(syft, target, tdir, args.peer_defaults),
                "trivy": run_trivy(trivy, target, tdir, args.peer_defaults),
            }
            for run in runs.values():  # temporary paths say nothing: show them as $TMP
                run.commands = [c.replace(str(work), "$TMP") for c in run.commands]
            table = compare(runs)
            text = report(target, runs, table, args.sets)
            print(text, flush=True)
            texts.append(text)
            everything[spec] = {
                "runs": {
                    t: {
                        "seconds": r.seconds,
                        "commands": r.commands,
                        "error": r.error,
                        "packages": len(r.packages),
                    }
                    for t, r in runs.items()
                },
                "ecosystems": table,
            }
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text("\n".join(texts))
    if args.json:
        args.json.write_text(json.dumps(everything, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
