"""The ``vuln`` detector: inventory x advisory store → one finding per vulnerability per package.

For each package:

1. **Lookup keys.** Language packages: (ecosystem, normalised name). OS packages: the *source*
   package (dpkg ``Source:``; apk origin; falls back to the binary name when the extractor recorded
   none) in the distro release derived from the target's os-release (``Debian:12`` and release-less
   ``Debian``; ``Alpine:v3.19``; see :mod:`bastion.vulndb.releases`). Debian packages are compared by
   their source version when known.
2. **Evaluation.** Every ``affected`` entry of every candidate advisory for those keys is evaluated
   with :func:`bastion.vulndb.match.affected` (OSV algorithm, the ecosystem's version scheme).
3. **Merging.** Affected advisories that share an id (advisory ids and aliases, transitively) are one
   vulnerability: GHSA-x, PYSEC-y and CVE-z for the same flaw give one finding listing all ids.
4. **Primary id:** the CVE id if the group has one (the lowest by year and number when several),
   else the GHSA id, else the alphabetically first id. Fingerprint:
   ``fingerprint(VULNERABILITY, primary id, ecosystem, package name, package path)``.
5. **Fix advice:** ``fixed_versions`` are the ``fixed`` events ending the ranges that contain the
   installed version (all merged advisories); ``VulnEvidence.upgrade_to`` is the smallest of all the
   package's fixed versions, above the installed one, that no matched advisory affects: the one
   upgrade that clears every finding of the package (None when there is none).
6. **Severity** by :func:`bastion.vulndb.severity.policy_severity`; KEV and EPSS attached by CVE id.

Nothing is dropped silently: an unpinned package (version ``""``) that has advisories, an OS package
of an unknown release, or an advisory that cannot be evaluated (a version its scheme cannot parse)
becomes an entry in the result's ``errors`` saying which package, which advisories and why. Such
packages produce no finding, because no one can say whether they are affected.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from bastion.detectors.base import Capability, DetectContext
from bastion.model import (
    Cvss,
    Ecosystem,
    Finding,
    FindingKind,
    Location,
    OsInfo,
    Package,
    PluginId,
    VulnEvidence,
    fingerprint,
)
from bastion.versions.base import InvalidVersion, VersionScheme
from bastion.vulndb._gc import gc_paused
from bastion.vulndb.base import Advisory, AdvisoryStore, Affected, Candidate, SeverityScore
from bastion.vulndb.match import MatchResult, MatchStatus, affected, normalize_name, scheme_for_ecosystem
from bastion.vulndb.releases import os_ecosystems
from bastion.vulndb.severity import policy_severity

__all__ = ["PackageMatch", "VulnDetector", "match_package", "match_packages", "primary_id"]

_CVE = re.compile(r"CVE-(\d{4})-(\d+)$")
_MAX_REFERENCES = 30


def primary_id(ids: Iterable[str]) -> str:
    """CVE (lowest year/number) > GHSA (alphabetical) > any other id (alphabetical)."""
    pool = set(ids)
    cves = [(int(m.group(1)), int(m.group(2)), i) for i in pool if i[:4] == "CVE-" and (m := _CVE.match(i))]
    if cves:
        return min(cves)[2]
    ghsa = [i for i in pool if i.startswith("GHSA-")]
    return min(ghsa) if ghsa else min(pool)


class _Hit:
    """One candidate advisory, its entries for the package, and their results."""

    __slots__ = ("advisory", "entries", "results", "status")

    def __init__(self, advisory: Advisory, entries: list[Affected], results: list[MatchResult]) -> None:
        self.advisory = advisory
        self.entries = entries
        self.results = results
        statuses = {r.status for r in results}
        if MatchStatus.AFFECTED in statuses:
            self.status = MatchStatus.AFFECTED
        elif MatchStatus.UNDECIDABLE in statuses:
            self.status = MatchStatus.UNDECIDABLE
        else:
            self.status = MatchStatus.NOT_AFFECTED


@dataclass
class PackageMatch:
    """What matching one package produced: findings, plus problems that must be reported."""

    findings: list[Finding]
    problems: list[str]


_SINGLE: dict[Ecosystem, tuple[str]] = {e: (e.value,) for e in Ecosystem}


def _lookup(pkg: Package, os_info: OsInfo | None) -> tuple[tuple[str, ...], str, str] | str:
    """(ecosystems, name, version) to match the package by, or why it cannot be matched."""
    eco = pkg.ecosystem
    if not eco.is_os:
        return _SINGLE[eco], pkg.name, pkg.version
    ecos = os_ecosystems(eco, os_info)
    if isinstance(ecos, str):
        return ecos
    name = pkg.source_name or pkg.name
    version = pkg.version
    if eco in (Ecosystem.DEBIAN, Ecosystem.UBUNTU) and pkg.source_version:
        version = pkg.source_version
    return ecos, name, version


def _sort_versions(versions: Iterable[str], scheme: VersionScheme | None) -> tuple[str, ...]:
    uniq = list(dict.fromkeys(versions))
    if scheme is None:
        return tuple(sorted(uniq))
    keyed: list[tuple[Any, str]] = []
    bad: list[str] = []
    for v in uniq:
        try:
            keyed.append((scheme.parse(v), v))
        except InvalidVersion:
            bad.append(v)
    try:
        keyed.sort(key=lambda kv: kv[0])
    except TypeError:
        return tuple(sorted(uniq))
    return tuple([v for _, v in keyed] + sorted(bad))


class _Groups:
    """Union-find over advisory ids."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, ids: Sequence[str]) -> None:
        root = self.find(ids[0])
        for other in ids[1:]:
            r = self.find(other)
            if r != root:
                self.parent[r] = root


#: (lookup ecosystems, normalised name, version, OS package) → (findings of the first such package, problems)
MatchCache = dict[tuple[tuple[str, ...], str, str, bool], tuple[list[Finding], list[str], Package]]


def match_packages(
    store: AdvisoryStore, packages: Sequence[Package], os_info: OsInfo | None, cache: MatchCache | None = None
) -> list[tuple[Package, PackageMatch]]:
    """:func:`match_package` for every package, returning the packages that have findings or
    problems (what the detector runs). The store's lookups are batched (one query per ecosystem
    and chunk of names instead of one per package), and a package without advisories is settled by
    that lookup alone.

    Automatic garbage collection is paused while the matching runs (:func:`~bastion.vulndb._gc.gc_paused`).
    """
    with gc_paused():
        return _match_all(store, packages, os_info, {} if cache is None else cache)


def _match_all(
    store: AdvisoryStore, packages: Sequence[Package], os_info: OsInfo | None, cache: MatchCache
) -> list[tuple[Package, PackageMatch]]:
    looks = [_lookup(pkg, os_info) for pkg in packages]
    names: dict[str, dict[str, None]] = {}
    for look in looks:
        if not isinstance(look, str):
            for eco in look[0]:
                names.setdefault(eco, {})[look[1]] = None
    found = {eco: store.lookup(eco, these) for eco, these in names.items()}
    out: list[tuple[Package, PackageMatch]] = []
    for pkg, look in zip(packages, looks, strict=True):
        if isinstance(look, str):
            out.append((pkg, _unknown_release(pkg, look)))
            continue
        ecosystems, name, _ = look
        cands = [found[eco][name] for eco in ecosystems]
        if any(cands):
            result = _cached(store, pkg, look, cands, cache)
            if result.findings or result.problems:
                out.append((pkg, result))
    return out


def _unknown_release(pkg: Package, why: str) -> PackageMatch:
    return PackageMatch([], [f"{pkg.name} {pkg.version}: not matched against distro advisories: {why}"])


def match_package(
    store: AdvisoryStore, pkg: Package, os_info: OsInfo | None, cache: MatchCache | None = None
) -> PackageMatch:
    """All vulnerability findings for one package (the detector's core, usable on its own).

    With ``cache`` (one per store revision), a package whose lookup key and version were already
    matched reuses that work: only its own fields (purl, location, fingerprint) are filled in.
    """
    look = _lookup(pkg, os_info)
    if isinstance(look, str):
        return _unknown_release(pkg, look)
    ecosystems, name, _ = look
    cands = [store.lookup(eco, (name,))[name] for eco in ecosystems]
    if cache is None:
        return _match(store, pkg, look, cands)
    return _cached(store, pkg, look, cands, cache)


def _cached(
    store: AdvisoryStore,
    pkg: Package,
    look: tuple[tuple[str, ...], str, str],
    cands: list[tuple[Candidate, ...]],
    cache: MatchCache,
) -> PackageMatch:
    ecosystems, name, version = look
    ck = (ecosystems, normalize_name(ecosystems[0], name), version, pkg.ecosystem.is_os)
    hit = cache.get(ck)
    if hit is None:
        result = _match(store, pkg, look, cands)
        cache[ck] = (result.findings, result.problems, pkg)
        return result
    findings, problems, first = hit
    if first is pkg or (
        first.name,
        first.ecosystem,
        first.version,
        first.purl,
        first.id,
        first.locations,
    ) == (pkg.name, pkg.ecosystem, pkg.version, pkg.purl, pkg.id, pkg.locations):
        return PackageMatch(list(findings), list(problems))
    return PackageMatch(
        [_rebind(f, pkg) for f in findings], [p.replace(first.name, pkg.name, 1) for p in problems]
    )


def _rebind(f: Finding, pkg: Package) -> Finding:
    location = pkg.locations[0] if pkg.locations else None
    return dataclasses.replace(
        f,
        fingerprint=fingerprint(FindingKind.VULNERABILITY, f.id, pkg.ecosystem.value, pkg.name, pkg.path),
        package=pkg.purl or None,
        package_id=pkg.id or None,
        installed_version=pkg.version,
        location=Location(path=location.path, layer=location.layer) if location else None,
    )


def _match(
    store: AdvisoryStore,
    pkg: Package,
    look: tuple[tuple[str, ...], str, str],
    cands: list[tuple[Candidate, ...]],
) -> PackageMatch:
    ecosystems, _, version = look
    candidates: dict[int, tuple[Advisory, list[Affected]]] = {}
    for these in cands:
        for cand in these:
            got = candidates.get(cand.ref)
            if got is None:
                candidates[cand.ref] = (cand.advisory, list(cand.entries))
            else:
                got[1].extend(e for e in cand.entries if e not in got[1])
    if not candidates:
        return PackageMatch([], [])
    if not version:
        constraint = pkg.metadata.get("constraint", "")
        ids = ", ".join(sorted({a.id for a, _ in candidates.values()})[:10])
        more = f" and {len(candidates) - 10} more" if len(candidates) > 10 else ""
        return PackageMatch(
            [],
            [
                f"{pkg.name}{' ' + constraint if constraint else ''}: unpinned (no exact version), so not matched "
                f"against {len(candidates)} advisories ({ids}{more}); pin it or scan a lockfile"
            ],
        )
    hits: list[_Hit] = []
    for adv, entries in candidates.values():
        results = [affected(version, entry, scheme_for_ecosystem(entry.ecosystem)) for entry in entries]
        if entries:
            hits.append(_Hit(adv, entries, results))
    affected_hits = [h for h in hits if h.status is MatchStatus.AFFECTED]
    undecided = [h for h in hits if h.status is MatchStatus.UNDECIDABLE]
    problems: list[str] = []
    groups = _Groups()
    for h in affected_hits:
        groups.union(h.advisory.ids)
    if undecided:
        decided_ids = {i for h in affected_hits for i in h.advisory.ids}
        open_ = [h for h in undecided if not decided_ids.intersection(h.advisory.ids)]
        if open_:
            reasons = sorted(
                {r.reason for h in open_ for r in h.results if r.status is MatchStatus.UNDECIDABLE}
            )
            ids = ", ".join(sorted({h.advisory.id for h in open_}))
            problems.append(
                f"{pkg.name} {version}: cannot decide whether {ids} affect this version: {'; '.join(reasons)}"
            )
    by_group: dict[str, list[_Hit]] = {}
    for h in affected_hits:
        by_group.setdefault(groups.find(h.advisory.id), []).append(h)
    scheme = scheme_for_ecosystem(ecosystems[0])
    upgrade = _smallest_upgrade(version, affected_hits, scheme)
    findings = [_finding(pkg, version, group, store, scheme, upgrade) for group in by_group.values()]
    return PackageMatch(findings, problems)


def _smallest_upgrade(version: str, affected_hits: list[_Hit], scheme: VersionScheme | None) -> str | None:
    """The smallest fixed version above ``version`` that none of the matched advisories affects."""
    if not affected_hits or scheme is None:
        return None
    try:
        current = scheme.parse(version)
    except InvalidVersion:
        return None
    # Every advisory must be fixed, so the answer is at least the largest of each advisory's
    # smallest applicable fix; any fixed event of a matched entry above that is a candidate (the
    # fix of one advisory may fall inside another range of another one).
    bound = current
    for h in affected_hits:
        own = [k for r in h.results for f in r.fixed if (k := _key(scheme, f)) is not None and k > current]
        if not own:
            return None  # an advisory without a fix: no upgrade clears everything
        low = min(own)
        if low > bound:
            bound = low
    keys: dict[str, Any] = {}
    for h in affected_hits:
        for e in h.entries:
            for rng in e.ranges:
                for ev in rng.events:
                    if ev.kind == "fixed" and ev.value not in keys:
                        keys[ev.value] = _key(scheme, ev.value)
    above = [(k, v) for v, k in keys.items() if k is not None and not k < bound]
    try:
        above.sort(key=lambda kv: kv[0])
    except TypeError:  # keys a scheme cannot order: by text, as _sort_versions does
        above.sort(key=lambda kv: kv[1])
    entries = [e for h in affected_hits for e in h.entries]
    for _, cand in above:
        blocker = next(
            (e for e in entries if affected(cand, e, scheme_for_ecosystem(e.ecosystem)).is_affected), None
        )
        if blocker is None:
            return cand
        entries.remove(blocker)
        entries.insert(0, blocker)
    return None


def _key(scheme: VersionScheme, version: str) -> Any:
    try:
        return scheme.parse(version)
    except InvalidVersion:
        return None


def _finding(
    pkg: Package,
    version: str,
    group: list[_Hit],
    store: AdvisoryStore,
    scheme: VersionScheme | None,
    upgrade: str | None,
) -> Finding:
    ids: dict[str, None] = {}
    for h in group:
        for i in h.advisory.ids:
            ids[i] = None
    primary = primary_id(ids)
    aliases = tuple(sorted(i for i in ids if i != primary))
    if len(group) == 1:
        advisories = [group[0].advisory]
    else:
        advisories = sorted(
            (h.advisory for h in group), key=lambda a: (a.id != primary, not a.id.startswith("GHSA-"), a.id)
        )
    title = ""
    description = ""
    published: str | None = None
    modified: str | None = None
    refs: dict[str, None] = {}
    sources: set[str] = set()
    for a in advisories:
        if not title and a.summary:
            title = a.summary
        if not description and a.details:
            description = a.details
        if a.published and (published is None or a.published < published):
            published = a.published
        if a.modified and not a.modified.startswith("0001-") and (modified is None or a.modified > modified):
            modified = a.modified
        refs.update(dict.fromkeys(a.references))
        sources.add(a.source)
    if not title:
        title = title_from_details(description) if description else primary
    scores: list[SeverityScore] = []
    fixed: list[str] = []
    reasons: list[str] = []
    distro_states: list[str] = []
    urgency: str | None = None
    for h in group:
        scores.extend(h.advisory.severity)
        for e in h.entries:
            scores.extend(e.severity)
            if e.fix_state:
                distro_states.append(e.fix_state)
            if e.urgency and urgency is None:
                urgency = e.urgency
        for r in h.results:
            if r.status is MatchStatus.AFFECTED:
                fixed.extend(r.fixed)
                reasons.append(f"{h.advisory.id}: {r.reason}")
    severity, severity_source, cvss = policy_severity(scores, os_package=pkg.ecosystem.is_os)
    fixes = _sort_versions(fixed, scheme) if fixed else ()
    if fixes:
        fix_state = "fixed"
    elif "wont_fix" in distro_states:
        fix_state = "wont_fix"
    elif distro_states or any(_open_ended(h) for h in group):
        fix_state = "not_fixed"
    else:
        fix_state = "unknown"
    kev = None
    epss = None
    for c in ids:
        if c.startswith("CVE-"):
            if kev is None:
                kev = store.kev(c)
            sc = store.epss(c)
            if sc is not None and (epss is None or sc > epss):
                epss = sc
    match_reason = "; ".join(reasons)
    if version != pkg.version:
        match_reason = f"{match_reason} (compared as source version {version})"
    location = pkg.locations[0] if pkg.locations else None
    return Finding(
        kind=FindingKind.VULNERABILITY,
        id=primary,
        title=title,
        severity=severity,
        fingerprint=fingerprint(FindingKind.VULNERABILITY, primary, pkg.ecosystem.value, pkg.name, pkg.path),
        aliases=aliases,
        description=description,
        package=pkg.purl or None,
        package_id=pkg.id or None,
        installed_version=pkg.version,
        fixed_versions=fixes,
        known_exploited=kev is not None,
        cvss=_sort_cvss(cvss) if len(cvss) > 1 else cvss,
        location=Location(path=location.path, layer=location.layer) if location else None,
        references=tuple(refs)[:_MAX_REFERENCES],
        found_by=_FOUND_BY,
        evidence=VulnEvidence(
            data_source=", ".join(sorted(sources)),
            severity_source=severity_source,
            fix_state=fix_state,  # type: ignore[arg-type]
            published=published,
            modified=modified,
            epss=epss[0] if epss else None,
            epss_percentile=epss[1] if epss else None,
            kev_due_date=kev.due_date if kev else None,
            kev_ransomware=kev.ransomware if kev else None,
            distro_urgency=urgency,
            match_reason=match_reason,
            upgrade_to=upgrade,
        ),
    )


def _open_ended(h: _Hit) -> bool:
    """An affected entry whose matching range has no upper bound at all (no fixed, no last_affected)."""
    return any(
        r.is_affected
        and not r.fixed
        and not any(ev.kind in ("fixed", "last_affected") for rng in e.ranges for ev in rng.events)
        for e, r in zip(h.entries, h.results, strict=True)
    )


def _sort_cvss(items: tuple[Cvss, ...]) -> tuple[Cvss, ...]:
    return tuple(sorted(items, key=lambda c: (c.version, c.source, c.vector), reverse=True))


class VulnDetector:
    plugin: ClassVar[PluginId] = PluginId("vuln/osv", 1)
    kind: ClassVar[FindingKind] = FindingKind.VULNERABILITY
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.INVENTORY, Capability.ADVISORIES})

    def detect(self, ctx: DetectContext) -> Iterator[Finding]:
        store: AdvisoryStore = ctx.advisories  # type: ignore[assignment]
        for pkg, result in match_packages(store, list(ctx.inventory.packages), ctx.target.os):
            for problem in result.problems:
                layer = pkg.locations[0].layer if pkg.locations else None
                ctx.error(pkg.path or ".", problem, plugin=self.plugin.name, layer=layer)
            yield from result.findings


_FOUND_BY = VulnDetector.plugin.name


_SENTENCE_END = re.compile(r"(?<=[a-z0-9)\]`'\"])\.\s")


def title_from_details(details: str, limit: int = 100) -> str:
    """A one-line title for advisories without a summary (PYSEC, many distro records): the first sentence
    of the details, cut at a word boundary near ``limit`` characters."""
    text = " ".join(details.split())
    match = _SENTENCE_END.search(text)
    if match is not None and match.start() <= limit:
        return text[: match.start()]
    if len(text) <= limit:
        return text.rstrip(".")
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:") + "…"
