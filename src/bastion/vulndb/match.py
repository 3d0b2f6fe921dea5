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
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
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
    "name_normalizer",
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
    return name_normalizer(ecosystem)(name)


def _pypi_name(name: str) -> str:
    return _PEP503.sub("-", name.strip()).lower()


def _maven_name(name: str) -> str:
    name = name.strip()
    if ":" not in name and "/" in name:
        group, _, artifact = name.rpartition("/")
        return f"{group}:{artifact}"
    return name


def _npm_name(name: str) -> str:
    name = name.strip()
    return unquote(name) if "%" in name else name


def _go_name(name: str) -> str:
    name = name.strip().rstrip("/")
    return _GO_TOOLCHAIN_ALIASES.get(name, name)


def _crates_name(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _lower_name(name: str) -> str:
    return name.strip().lower()


def _exact_name(name: str) -> str:
    return name.strip()


@lru_cache(maxsize=1024)
def name_normalizer(ecosystem: str) -> Callable[[str], str]:
    """:func:`normalize_name` for one ecosystem, as a function of the name (looked up once)."""
    base = ecosystem.partition(":")[0]
    match _KNOWN.get(base.lower(), base):
        case "PyPI":
            return _pypi_name
        case "Maven":
            return _maven_name
        case "npm":
            return _npm_name
        case "Go":
            return _go_name
        case "crates.io":
            return _crates_name
        case "NuGet" | "Packagist" | "Pub" | "Hex":
            return _lower_name
        case _:
            return _exact_name


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
    #: the limit events as published
    limit_text: tuple[str, ...] = ()
    #: the keys of ``events[first_key:]`` (``events[:first_key]`` are introduced "0", keyless)
    keys: tuple[Any, ...] = ()
    first_key: int = 0


class _Undecidable(Exception):
    pass


# Compiled ranges per scheme, keyed by the identity of the Range object (ranges come from the store's
# candidate cache, so the same object is evaluated many times; the entry keeps the Range alive, so
# its id cannot be reused while cached).
_COMPILED: dict[str, dict[int, tuple[Range, _Compiled | str]]] = {}
_COMPILED_MAX = 200_000


def _compile(rng: Range, scheme: VersionScheme) -> _Compiled | str:
    """The sorted, parsed events of a range, or the reason it cannot be evaluated."""
    per_scheme = _COMPILED.get(scheme.name)
    if per_scheme is None:
        per_scheme = _COMPILED[scheme.name] = {}
    hit = per_scheme.get(id(rng))
    if hit is not None and hit[0] is rng:
        return hit[1]
    try:
        compiled: _Compiled | str = _do_compile(rng, scheme)
    except _Undecidable as exc:
        compiled = str(exc)
    if len(per_scheme) >= _COMPILED_MAX:
        per_scheme.clear()
    per_scheme[id(rng)] = (rng, compiled)
    return compiled


def _do_compile(rng: Range, scheme: VersionScheme) -> _Compiled:
    events: list[tuple[int, Any, str]] = []
    limits: list[Any] = []
    limit_text: list[str] = []
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
            limit_text.append(ev.value)
        else:
            events.append((code, key, ev.value))
    if not has_intro:
        raise _Undecidable(f"{rng.type} range has no introduced event")
    events.sort(key=_sort_key)
    first = 0
    while first < len(events) and events[first][1] is None:
        first += 1
    return _Compiled(
        tuple(events), tuple(limits), unbounded, tuple(limit_text), tuple(e[1] for e in events[first:]), first
    )


def _sort_key(ev: tuple[int, Any, str]) -> tuple[int, Any, int]:
    code, key, _ = ev
    if key is None:
        return (0, 0, code)
    return (1, key, code)


_NAMES = ("introduced", "last_affected", "fixed", "limit")


def _in_range(v: Any, compiled: _Compiled) -> tuple[bool, str | None, int]:
    """OSV ``IncludedInRanges`` for one range: (affected, the fixed version ending the hit, the index
    of the introduced event that opened it).

    The schema's walk over the sorted events, done by bisection: only events at or below ``v`` change
    the state, each of them sets it outright (introduced: affected; fixed: not; last_affected below
    ``v``: not; last_affected *at* ``v`` leaves it), so the state is that of the last such event; the
    fix is the first ``fixed`` event above ``v``.
    """
    if compiled.limits and not compiled.unbounded_limit and not any(v < lim for lim in compiled.limits):
        return False, None, -1
    events = compiled.events
    start = compiled.first_key
    i = bisect_right(compiled.keys, v) + start  # events[:i] are at or below v
    while i > 0:
        i -= 1
        code, key, _ = events[i]
        if code == _INTRO:
            for j in range(i + 1, len(events)):
                if events[j][0] == _FIXED:  # above v: one at or below it would have cleared the state
                    return True, events[j][2], i
            return True, None, i
        if code == _FIXED or (code == _LAST and v > key):
            return False, None, -1
    return False, None, -1


def _interval(compiled: _Compiled, opened: int) -> str:
    """The part of a range that contains a hit: its introduced event, the fixed or last_affected
    event that ends it (if any) and the range's limits."""
    code, _, raw = compiled.events[opened]
    parts = [f"introduced {raw}"]
    for code, _, raw in compiled.events[opened + 1 :]:
        if code in (_FIXED, _LAST):
            parts.append(f"{_NAMES[code]} {raw}")
            break
    if compiled.limit_text:
        parts.append("limit " + ", ".join(compiled.limit_text))
    return ", ".join(parts)


# -- listed versions ---------------------------------------------------------------------------
#
# An installed version is affected when it *equals* a listed version in the ecosystem's scheme
# (PyPI ``1.0`` == ``1.0.0``). Parsing every listed version to find out is the most expensive part of
# cold matching (PyPI records list hundreds), so for the schemes below candidates are found first
# with a necessary condition that needs no parsing: equal versions have the same sequence of
# non-zero numbers (digit runs read as integers; zero runs, as in a trailing ``.0``, an epoch ``0:``
# or padding, can come and go). That holds for each of these schemes because every digit run they
# read is compared as a number and nothing else becomes a number; for the schemes marked True,
# build metadata after ``+`` is not compared (PEP 440 local labels only when the public versions
# are equal), so numbers after it are not part of the condition. Only the candidates are parsed and
# compared. Other schemes (Composer turns ``1.x-dev`` into numbers) parse every listed version.
_HINTED: dict[str, bool] = {
    "pep440": True,
    "semver": True,
    "semver-npm": True,
    "go": True,
    "nuget": True,
    "maven": False,
    "rubygems": False,
    "dpkg": False,
    "apk": False,
    "rpm": False,
}
_NUMBER_OR_LINE = re.compile(r"[1-9][0-9]*|\n")
_BUILD = re.compile(r"\+[^\n]*")


def _numbers(text: str, cut_plus: bool) -> str:
    r"""The non-zero numbers of each line of ``text``, framed: ``"\n.1.2.\n.3.\n"`` for ``"1.2.0\nv03"``."""
    if cut_plus and "+" in text:
        text = _BUILD.sub("", text)
    tokens = _NUMBER_OR_LINE.findall(text)
    # a line without numbers is "\n.\n", as it is between two newline tokens of a longer text
    return "\n." + ".".join(tokens) + ".\n" if tokens else "\n.\n"


_LISTED: dict[tuple[int, str], tuple[Affected, dict[Any, str] | str | None]] = {}


def _listed_equal(version: str, v: Any, entry: Affected, scheme: VersionScheme) -> str | None:
    """The first listed version equal to ``v`` in ``scheme`` (the per-entry index is cached)."""
    cache_key = (id(entry), scheme.name)
    hit = _LISTED.get(cache_key)
    cut = _HINTED.get(scheme.name)
    if hit is None or hit[0] is not entry:
        table: dict[Any, str] | str | None
        joined = "\n".join(entry.versions)
        if cut is not None and joined.isascii() and joined.count("\n") == len(entry.versions) - 1:
            table = _numbers(joined, cut)
        else:
            table = {}
            try:
                for listed in entry.versions:
                    try:
                        table.setdefault(scheme.parse(listed), listed)
                    except InvalidVersion:
                        continue
            except TypeError:  # unhashable keys: compare one by one
                table = None
        if len(_LISTED) >= _COMPILED_MAX:
            _LISTED.clear()
        _LISTED[cache_key] = hit = (entry, table)
    table = hit[1]
    if isinstance(table, str):
        if cut is not None and version.isascii() and "\n" not in version:
            needle = _numbers(version, cut)
            pos = table.find(needle)
            while pos >= 0:
                listed = entry.versions[table.count("\n", 0, pos)]
                try:
                    if scheme.parse(listed) == v:
                        return listed
                except InvalidVersion:
                    pass
                pos = table.find(needle, pos + 1)
            return None
    elif table is not None:
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
    fixes: list[str] = []
    hit_reason = ""
    undecided: list[str] = []
    git_only = True
    parsed: dict[str, Any] = {}  # scheme name -> key, or the reason it does not parse (str)
    for rng in entry.ranges:
        rtype = rng.type
        if rtype == "GIT":
            continue
        git_only = False
        if rtype == "ECOSYSTEM":
            if scheme is None:
                undecided.append(f"no version ordering for ecosystem {entry.ecosystem!r}")
                continue
            rs = scheme
        elif rtype == "SEMVER":
            rs = semver if semver is not None else semver_scheme_for(scheme)
        else:  # pragma: no cover - ingest only stores the three OSV types
            undecided.append(f"unknown range type {rtype!r}")
            continue
        compiled = _compile(rng, rs)
        if type(compiled) is str:
            undecided.append(compiled)
            continue
        v = _parsed(parsed, rs, version)
        if type(v) is _Unparsable:
            undecided.append(v.reason)
            continue
        hit, fix, opened = _in_range(v, compiled)  # type: ignore[arg-type]
        if hit:
            if fix is not None:
                fixes.append(fix)
            if not hit_reason:
                hit_reason = f"{version} in {rtype} range [{_interval(compiled, opened)}]"  # type: ignore[arg-type]
    if hit_reason:
        return MatchResult(MatchStatus.AFFECTED, hit_reason, tuple(dict.fromkeys(fixes)))
    if entry.versions:
        if version in entry.versions:
            return MatchResult(MatchStatus.AFFECTED, f"{version} is listed in the advisory's versions")
        if scheme is not None:
            v = _parsed(parsed, scheme, version)
            if type(v) is not _Unparsable:
                equal = _listed_equal(version, v, entry, scheme)
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


class _Unparsable:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _parsed(parsed: dict[str, Any], scheme: VersionScheme, version: str) -> Any:
    name = scheme.name
    got = parsed.get(name, parsed)
    if got is parsed:
        try:
            got = scheme.parse(version)
        except InvalidVersion as exc:
            got = _Unparsable(f"installed version {version!r} is not a valid {name} version ({exc.message})")
        parsed[name] = got
    return got
