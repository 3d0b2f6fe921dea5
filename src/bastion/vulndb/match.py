"""Does an advisory's ``affected`` entry cover a package version? The OSV evaluation algorithm, exactly.

:func:`affected` implements ``IsVulnerable`` from the OSV schema's "Evaluation" section for one
``affected[]`` entry:

- ``versions``: the installed version is affected when it equals a listed version (as a string, or as
  a parsed version of the ecosystem's scheme, so PyPI ``1.0`` equals ``1.0.0``);
- each ``ECOSYSTEM``/``SEMVER`` range: events sorted by version (``introduced: "0"`` first), walked in
  order: ``introduced`` ≤ v sets affected, ``fixed`` ≤ v clears it, ``last_affected`` < v clears it;
  ``limit`` events bound the range above (v must be below one of them; ``*`` is infinity). Events at
  the same version apply in the order introduced, last_affected, fixed, limit, so an empty
  ``[x, x)`` range affects nothing. Several ranges, and several introduced/fixed pairs in one range,
  are all honoured: any range that says affected wins;
- ``GIT`` ranges name commits, which a package version cannot be compared with: they are not
  evaluated (the ``versions`` list that OSV computes from them is);
- ``ECOSYSTEM`` ranges use the ecosystem's scheme from :func:`bastion.versions.ecosystems.scheme_for`;
  ``SEMVER`` ranges use SemVer 2.0.0, read with the ecosystem's own SemVer flavour where it has one
  (Go accepts the ``v`` prefix and ``go1.21`` toolchain tags, npm a leading ``v``/``=``): both give the
  same keys as strict SemVer for SemVer strings.

Nothing is dropped silently: a version the scheme cannot parse (installed or in an event), or an
ecosystem without a scheme, gives :attr:`MatchStatus.UNDECIDABLE` with the reason, unless another
range or the ``versions`` list decides that the version *is* affected.

:func:`normalize_name` is the per-ecosystem name normalisation used both when advisories are stored
and when packages are looked up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final
from urllib.parse import unquote

from bastion.errors import BastionError
from bastion.model import Ecosystem
from bastion.versions.base import InvalidVersion, VersionScheme
from bastion.vulndb.base import Affected, Range

__all__ = [
    "MatchResult",
    "MatchStatus",
    "affected",
    "canonical_ecosystem",
    "ecosystem_of",
    "normalize_name",
    "scheme_for_ecosystem",
    "semver_scheme_for",
]


class MatchStatus(StrEnum):
    AFFECTED = "affected"
    NOT_AFFECTED = "not_affected"
    UNDECIDABLE = "undecidable"


@dataclass(frozen=True, slots=True)
class MatchResult:
    status: MatchStatus
    reason: str
    #: For an affected version: the ``fixed`` event that ends each range containing it (empty when the
    #: range is open or ends in ``last_affected``).
    fixed: tuple[str, ...] = ()

    @property
    def is_affected(self) -> bool:
        return self.status is MatchStatus.AFFECTED


# -- ecosystems and names ------------------------------------------------------------------------

_KNOWN = {e.value.lower(): e.value for e in Ecosystem}
_KNOWN.update(
    {"crates": "crates.io", "rubygems": "RubyGems", "golang": "Go", "pypi": "PyPI", "maven": "Maven"}
)


def canonical_ecosystem(ecosystem: str) -> str:
    """The OSV spelling of an ecosystem string, release suffix kept (``pypi`` → ``PyPI``, ``debian:12`` →
    ``Debian:12``). Unknown ecosystems are returned stripped but otherwise unchanged."""
    base, sep, suffix = ecosystem.strip().partition(":")
    canon = _KNOWN.get(base.lower(), base)
    return f"{canon}{sep}{suffix}"


def ecosystem_of(ecosystem: str) -> Ecosystem | None:
    """The :class:`Ecosystem` member of an OSV ecosystem string (release suffix ignored), or None."""
    base = ecosystem.partition(":")[0]
    try:
        return Ecosystem(_KNOWN.get(base.lower(), base))
    except ValueError:
        return None


_PEP503 = re.compile(r"[-_.]+")
_GO_TOOLCHAIN_ALIASES: Final = {"std": "stdlib", "go": "stdlib", "golang": "stdlib"}


def normalize_name(ecosystem: str, name: str) -> str:
    """The lookup key of a package name in an ecosystem.

    - PyPI: PEP 503 (lowercase, runs of ``-_.`` become ``-``).
    - Maven: ``groupId:artifactId``; a purl-style ``group/artifact`` is rewritten with ``:``. Case kept
      (Maven coordinates are case-sensitive).
    - npm: percent-decoded (``%40scope%2Fname`` → ``@scope/name``); case kept (npm names are
      case-sensitive, and legacy mixed-case packages are distinct packages).
    - Go: module path as is, without a trailing ``/``; the toolchain is ``stdlib`` (``std``, ``go`` and
      ``golang`` are accepted for it) or ``toolchain``.
    - crates.io: lowercase with ``_`` as ``-`` (crates.io forbids names that differ only so).
    - NuGet, Packagist, Pub, Hex: lowercase (their registries are case-insensitive).
    - RubyGems, distros and the rest: stripped, otherwise exact.
    """
    name = name.strip()
    base = ecosystem.partition(":")[0]
    match _KNOWN.get(base.lower(), base):
        case "PyPI":
            return _PEP503.sub("-", name).lower()
        case "Maven":
            if ":" not in name and "/" in name:
                group, _, artifact = name.rpartition("/")
                return f"{group}:{artifact}"
            return name
        case "npm":
            return unquote(name) if "%" in name else name
        case "Go":
            name = name.rstrip("/")
            return _GO_TOOLCHAIN_ALIASES.get(name, name)
        case "crates.io":
            return name.lower().replace("_", "-")
        case "NuGet" | "Packagist" | "Pub" | "Hex":
            return name.lower()
        case _:
            return name


# -- version schemes -----------------------------------------------------------------------------


class _NoScheme:
    """Placeholder for "this ecosystem has no version ordering"; never parses."""

    name = "none"

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def parse(self, text: str) -> Any:
        raise InvalidVersion(self.reason)


_SCHEMES: dict[str, VersionScheme | _NoScheme] = {}


def scheme_for_ecosystem(ecosystem: str) -> VersionScheme | None:
    """The version scheme of an OSV ecosystem string, or None when bastion has none for it."""
    got = _SCHEMES.get(ecosystem)
    if got is None:
        got = _resolve_scheme(ecosystem)
        _SCHEMES[ecosystem] = got
    return None if isinstance(got, _NoScheme) else got


def _resolve_scheme(ecosystem: str) -> VersionScheme | _NoScheme:
    eco = ecosystem_of(ecosystem)
    if eco is None:
        return _NoScheme(f"unknown ecosystem {ecosystem!r}")
    try:
        from bastion.versions.ecosystems import scheme_for
    except ImportError:
        return _NoScheme("version schemes are not available in this build")
    try:
        return scheme_for(eco)
    except BastionError as exc:
        return _NoScheme(exc.message)


_SEMVER_FOR: dict[str, VersionScheme] = {}


def semver_scheme_for(scheme: VersionScheme | None) -> VersionScheme:
    """The scheme ``SEMVER`` ranges are read with: the ecosystem's SemVer flavour, else strict SemVer."""
    name = scheme.name if scheme is not None else ""
    got = _SEMVER_FOR.get(name)
    if got is None:
        from bastion.versions.ecosystems import SEMVER

        got = scheme if scheme is not None and name in ("go", "semver-npm", "semver") else SEMVER
        _SEMVER_FOR[name] = got
    return got


# -- evaluation ----------------------------------------------------------------------------------

_INTRO, _LAST, _FIXED, _LIMIT = 0, 1, 2, 3
_CODE = {"introduced": _INTRO, "last_affected": _LAST, "fixed": _FIXED, "limit": _LIMIT}


@dataclass(frozen=True, slots=True)
class _Compiled:
    #: (code, key or None for introduced "0", raw value), sorted by version then code.
    events: tuple[tuple[int, Any, str], ...]
    #: parsed limit keys; empty means the implicit ``*``.
    limits: tuple[Any, ...]
    unbounded_limit: bool


class _Undecidable(Exception):
    pass


# Compiled ranges, keyed by the identity of the Range object and the scheme name (ranges come from
# the store's advisory cache, so the same object is evaluated many times).
_COMPILED: dict[tuple[int, str], tuple[Range, _Compiled | str]] = {}
_COMPILED_MAX = 200_000


def _compile(rng: Range, scheme: VersionScheme) -> _Compiled | str:
    """The sorted, parsed events of a range, or the reason it cannot be evaluated."""
    cache_key = (id(rng), scheme.name)
    hit = _COMPILED.get(cache_key)
    if hit is not None and hit[0] is rng:
        return hit[1]
    try:
        compiled: _Compiled | str = _do_compile(rng, scheme)
    except _Undecidable as exc:
        compiled = str(exc)
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[cache_key] = (rng, compiled)
    return compiled


def _do_compile(rng: Range, scheme: VersionScheme) -> _Compiled:
    events: list[tuple[int, Any, str]] = []
    limits: list[Any] = []
    unbounded = False
    has_intro = False
    for ev in rng.events:
        code = _CODE[ev.kind]
        if code == _INTRO:
            has_intro = True
            if ev.value == "0":
                events.append((code, None, ev.value))
                continue
        if code == _LIMIT and "*" in ev.value:
            unbounded = True
            continue
        try:
            key = scheme.parse(ev.value)
        except InvalidVersion:
            raise _Undecidable(
                f"{rng.type} range event {ev.kind} {ev.value!r} is not a valid {scheme.name} version"
            ) from None
        if code == _LIMIT:
            limits.append(key)
        else:
            events.append((code, key, ev.value))
    if not has_intro:
        raise _Undecidable(f"{rng.type} range has no introduced event")
    events.sort(key=_sort_key)
    return _Compiled(tuple(events), tuple(limits), unbounded)


def _sort_key(ev: tuple[int, Any, str]) -> tuple[int, Any, int]:
    code, key, _ = ev
    if key is None:
        return (0, 0, code)
    return (1, key, code)


def _describe(events: tuple[tuple[int, Any, str], ...]) -> str:
    names = ("introduced", "last_affected", "fixed", "limit")
    return ", ".join(f"{names[c]} {raw}" for c, _, raw in events)


def _in_range(v: Any, compiled: _Compiled) -> tuple[bool, str | None]:
    """OSV ``IncludedInRanges`` for one range: (affected, the fixed version ending the hit)."""
    if compiled.limits and not compiled.unbounded_limit and not any(v < lim for lim in compiled.limits):
        return False, None
    vulnerable = False
    fix: str | None = None
    for code, key, raw in compiled.events:
        if code == _INTRO:
            if key is None or v >= key:
                vulnerable = True
                fix = None
        elif code == _FIXED:
            if v >= key:
                vulnerable = False
            elif vulnerable and fix is None:
                fix = raw
        elif code == _LAST and v > key:
            vulnerable = False
    return vulnerable, (fix if vulnerable else None)


_LISTED: dict[tuple[int, str], tuple[Affected, dict[Any, str] | None]] = {}


def _listed_equal(v: Any, entry: Affected, scheme: VersionScheme) -> str | None:
    """The listed version equal to ``v`` in ``scheme`` (parsed keys cached per entry)."""
    cache_key = (id(entry), scheme.name)
    hit = _LISTED.get(cache_key)
    if hit is None or hit[0] is not entry:
        table: dict[Any, str] | None = {}
        try:
            for listed in entry.versions:
                try:
                    table.setdefault(scheme.parse(listed), listed)  # type: ignore[union-attr]
                except InvalidVersion:
                    continue
        except TypeError:  # unhashable keys: compare one by one
            table = None
        if len(_LISTED) >= _COMPILED_MAX:
            _LISTED.clear()
        _LISTED[cache_key] = hit = (entry, table)
    table = hit[1]
    if table is not None:
        try:
            return table.get(v)
        except TypeError:
            return None
    for listed in entry.versions:
        try:
            if scheme.parse(listed) == v:
                return listed
        except InvalidVersion:
            continue
    return None


def affected(
    version: str,
    entry: Affected,
    scheme: VersionScheme | None,
    *,
    semver: VersionScheme | None = None,
) -> MatchResult:
    """Evaluate one ``affected[]`` entry for an installed version (see the module docs).

    ``scheme`` is the ecosystem's version scheme (None when bastion has none); ``semver`` the scheme
    for ``SEMVER`` ranges (default: :func:`semver_scheme_for`).
    """
    if not version:
        return MatchResult(MatchStatus.UNDECIDABLE, "no installed version (unpinned)")
    listed = version in entry.versions

    parsed: dict[str, Any] = {}
    errors: list[str] = []

    def parse(s: VersionScheme) -> Any:
        if s.name in parsed:
            return parsed[s.name]
        try:
            key = s.parse(version)
        except InvalidVersion as exc:
            key = None
            errors.append(f"installed version {version!r} is not a valid {s.name} version ({exc.message})")
        parsed[s.name] = key
        return key

    fixes: list[str] = []
    hit_reason = ""
    undecided: list[str] = []
    git_only = True
    for rng in entry.ranges:
        if rng.type == "GIT":
            continue
        git_only = False
        if rng.type == "SEMVER":
            rs = semver if semver is not None else semver_scheme_for(scheme)
        elif rng.type == "ECOSYSTEM":
            if scheme is None:
                undecided.append(f"no version ordering for ecosystem {entry.ecosystem!r}")
                continue
            rs = scheme
        else:  # pragma: no cover - ingest only stores the three OSV types
            undecided.append(f"unknown range type {rng.type!r}")
            continue
        compiled = _compile(rng, rs)
        if isinstance(compiled, str):
            undecided.append(compiled)
            continue
        v = parse(rs)
        if v is None:
            undecided.append(errors[-1])
            continue
        hit, fix = _in_range(v, compiled)
        if hit:
            if fix is not None:
                fixes.append(fix)
            if not hit_reason:
                hit_reason = f"{version} in {rng.type} range [{_describe(compiled.events)}]"
    if hit_reason:
        return MatchResult(MatchStatus.AFFECTED, hit_reason, tuple(dict.fromkeys(fixes)))
    if listed:
        return MatchResult(MatchStatus.AFFECTED, f"{version} is listed in the advisory's versions")
    if entry.versions and scheme is not None:
        v = parse(scheme)
        if v is not None:
            equal = _listed_equal(v, entry, scheme)
            if equal is not None:
                return MatchResult(MatchStatus.AFFECTED, f"{version} equals listed version {equal}")
    if undecided:
        return MatchResult(MatchStatus.UNDECIDABLE, "; ".join(dict.fromkeys(undecided)))
    if not entry.ranges and not entry.versions:
        return MatchResult(MatchStatus.NOT_AFFECTED, "entry lists neither ranges nor versions")
    if git_only and entry.ranges:
        return MatchResult(
            MatchStatus.NOT_AFFECTED, f"{version} not in versions; GIT ranges are not evaluated"
        )
    return MatchResult(MatchStatus.NOT_AFFECTED, f"{version} outside every range")
