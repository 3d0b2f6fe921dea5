"""Alpine secdb: per branch and repository, the CVEs fixed by each package version (``secfixes``).

Official: https://secdb.alpinelinux.org/<branch>/<repo>.json; mirror: ``alpine/<branch>/<repo>.yaml``
or ``.json`` (both forms carry the same document). Document::

    {distroversion: v3.19, reponame: main, packages: [{pkg: {name, secfixes: {version: [ids]}}}]}

``name`` is the *origin* (source) package, which is what the detector matches Alpine packages by.
Each (branch, package, fixed version, id) becomes an ``affected`` entry of the advisory named by the
id: ecosystem ``Alpine:<branch>``, range introduced 0, fixed <version>. Version ``0`` means the branch
was never affected (no entry). An id line may carry several ids (``CVE-2018-1 XSA-2``): the first is
the advisory id, the rest its aliases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

from bastion.fs.parsing import ParseError, load_json, load_yaml
from bastion.vulndb.base import Advisory, Affected, Event, FetchError, IngestReport, Range
from bastion.vulndb.sources.base import SourceResult, UpdateContext

__all__ = ["DEFAULT_BRANCHES", "OFFICIAL", "AlpineSecdbSource", "parse_secdb"]

OFFICIAL = "https://secdb.alpinelinux.org"
SOURCE = "alpine-secdb"
DEFAULT_BRANCHES: tuple[str, ...] = (*(f"v3.{n}" for n in range(12, 23)), "edge")
REPOS: tuple[str, ...] = ("main", "community")
_ID = re.compile(r"[A-Z][A-Z0-9]*-[0-9A-Za-z][0-9A-Za-z.:_-]*")


def parse_secdb(data: bytes, where: str, report: IngestReport, into: dict[str, dict[str, Any]]) -> None:
    """Add one secdb document's entries to ``into`` (advisory id → aliases + affected entries)."""
    try:
        doc = load_json(data, where) if data.lstrip()[:1] == b"{" else load_yaml(data, where)
    except ParseError as exc:
        raise FetchError(exc.message) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("packages", []), list | type(None)):
        raise FetchError(f"{where}: not an Alpine secdb document (expected distroversion and packages)")
    branch = str(doc.get("distroversion", "")).strip()
    if not branch:
        raise FetchError(f"{where}: secdb document without distroversion")
    eco = f"Alpine:{branch if branch.startswith('v') or branch == 'edge' else 'v' + branch}"
    for i, item in enumerate(doc.get("packages") or []):
        pkg = item.get("pkg") if isinstance(item, dict) else None
        if not isinstance(pkg, dict) or not str(pkg.get("name", "")).strip():
            report.read += 1
            report.skip(f"{where}:packages[{i}]", "entry without pkg.name")
            continue
        name = str(pkg["name"]).strip()
        secfixes = pkg.get("secfixes") or {}
        if not isinstance(secfixes, dict):
            report.read += 1
            report.skip(f"{where}:{name}", "secfixes is not a mapping")
            continue
        for version, ids in secfixes.items():
            ver = str(version).strip()
            for line in ids or ():
                report.read += 1
                found = _ID.findall(str(line))
                if not found:
                    report.skip(f"{where}:{name}@{ver}", f"no advisory id in {line!r}")
                    continue
                if ver == "0":
                    continue  # never affected in this branch
                primary, *aliases = found
                slot = into.setdefault(primary, {"aliases": {}, "affected": {}})
                for a in aliases:
                    slot["aliases"][a] = None
                slot["affected"][(eco, name, ver)] = None


def _advisories(collected: dict[str, dict[str, Any]]) -> Iterator[Advisory]:
    for adv_id, slot in sorted(collected.items()):
        affected = tuple(
            Affected(
                eco,
                name,
                name,
                (Range("ECOSYSTEM", (Event("introduced", "0"), Event("fixed", ver))),),
                fix_state="fixed",
            )
            for eco, name, ver in slot["affected"]
        )
        yield Advisory(
            id=adv_id,
            source=SOURCE,
            aliases=tuple(slot["aliases"]),
            references=(f"https://security.alpinelinux.org/vuln/{adv_id}",)
            if adv_id.startswith("CVE-")
            else (),
            affected=affected,
        )


class AlpineSecdbSource:
    name: ClassVar[str] = "alpine"
    kind: ClassVar[str] = "alpine-secdb"

    def update(self, ctx: UpdateContext) -> list[SourceResult]:
        listed = ctx.fetcher.list_dir("alpine")
        configured = ctx.settings.get("alpine.branches")
        if isinstance(configured, list | tuple) and configured:
            branches = [str(b) for b in configured]
        elif listed is not None:
            branches = listed
        else:
            branches = list(DEFAULT_BRANCHES)
        fetched = []
        for branch in branches:
            for repo in REPOS:
                got = None
                for ext in (".yaml", ".json") if ctx.fetcher.is_mirror else (".json",):
                    got = ctx.fetcher.fetch(
                        f"alpine/{branch}/{repo}{ext}", f"{OFFICIAL}/{branch}/{repo}.json"
                    )
                    if got is not None:
                        break
                if got is not None:
                    fetched.append(got)
        if not fetched:
            return [
                SourceResult(SOURCE, "not available", f"no Alpine secdb files at {ctx.fetcher.describe()}")
            ]
        digest = ",".join(f.sha256[:12] for f in fetched)
        known = ctx.builder.fetch_state(SOURCE, "alpine")
        if ctx.same_as_last(SOURCE, known, digest):
            return [SourceResult(SOURCE, "unchanged", "same files as the last update")]
        report = IngestReport(SOURCE)
        collected: dict[str, dict[str, Any]] = {}
        for f in fetched:
            parse_secdb(Path(f.path).read_bytes(), f.location, report, collected)
        ctx.builder.replace_source(SOURCE, _advisories(collected), report)
        ctx.builder.set_source(
            SOURCE,
            kind=self.kind,
            records=ctx.builder.count(SOURCE),
            revision=digest[:16],
            location=ctx.fetcher.describe(),
            skipped=len(report.skipped),
            detail={"files": len(fetched)},
        )
        ctx.builder.set_fetch_state(SOURCE, "alpine", sha256=digest)
        return [SourceResult(SOURCE, "updated", report=report)]
