"""Composer (Packagist) versions: ``composer/semver`` normalisation, then PHP's ``version_compare``.

``parse`` runs ``VersionParser::normalize`` (composer/semver ``src/VersionParser.php``):

* surrounding whitespace, an ``as`` alias, an ``@stability`` flag and ``+build`` metadata are dropped;
  a leading ``v`` is allowed;
* classic versions get four numbers (``1.2`` → ``1.2.0.0``); date versions (``2010.01.02``,
  ``201001021234``) keep theirs with separators turned into dots;
* the modifiers ``stable``, ``alpha``/``a``, ``beta``/``b``, ``RC``, ``patch``/``pl``/``p`` with an
  optional number, and ``-dev``, are spelled ``-alpha2``, ``-RC1``, ``-patch1``, ``-dev``
  (``stable`` disappears);
* numeric branches ending in ``.x-dev`` (``2.1.x-dev``) become ``2.1.9999999.9999999-dev``.

Named branches (``dev-master``, ``dev-feature/x``) normalise fine but are not ordered: Composer's
``Constraint::versionCompare`` says a dev branch never satisfies a comparison. ``parse`` raises
:class:`InvalidVersion` for them so a matcher reports them as undecidable.

Ordering is PHP's ``version_compare`` (``ext/standard/versioning.c``) on the normalised strings:
``dev < alpha = a < beta = b < RC = rc < (number) < pl = p`` (``patch`` starts with ``p``), any
other string below ``dev``. Keys are tuples (see :func:`composer_key`); :func:`php_version_compare`
is the literal port of the C function, used to check them.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["Composer", "ComposerKey", "composer_key", "normalize", "parse_composer", "php_version_compare"]

_MODIFIER = r"[._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?"
_STABILITIES = r"stable|RC|beta|alpha|dev"
_ALIAS_RE = re.compile(r"([^,\s]++) ++as ++([^,\s]++)")
_STABILITY_FLAG_RE = re.compile(rf"@(?:{_STABILITIES})$", re.IGNORECASE)
_BUILD_RE = re.compile(r"([^,\s+]++)\+[^\s]++")
_CLASSIC_RE = re.compile(rf"v?(\d{{1,5}}+)(\.\d++)?(\.\d++)?(\.\d++)?{_MODIFIER}", re.IGNORECASE | re.ASCII)
_DATE_RE = re.compile(
    rf"v?(\d{{4}}(?:[.:-]?\d{{2}}){{1,6}}(?:[.:-]?\d{{1,3}}){{0,2}}){_MODIFIER}", re.IGNORECASE | re.ASCII
)
_DEV_SUFFIX_RE = re.compile(r"(.*?)[.-]?dev", re.IGNORECASE)
_BRANCH_RE = re.compile(
    r"v?(\d++)(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?(\.(?:\d++|[xX*]))?", re.IGNORECASE | re.ASCII
)
_NON_DIGIT_RE = re.compile(r"\D", re.ASCII)

_EXPAND = {"a": "alpha", "b": "beta", "p": "patch", "pl": "patch", "rc": "RC"}


def _expand_stability(stability: str) -> str:
    s = stability.lower()
    return _EXPAND.get(s, s)


def _normalize_branch(name: str) -> str:
    name = name.strip()
    m = _BRANCH_RE.fullmatch(name)
    if m is not None:
        version = ""
        for i in range(1, 5):
            part = m.group(i)
            version += part.replace("*", "x").replace("X", "x") if part is not None else ".x"
        return version.replace("x", "9999999") + "-dev"
    return "dev-" + name


def normalize(version: str) -> str:
    """``VersionParser::normalize``; raises :class:`InvalidVersion` where Composer throws."""
    original = version
    version = version.strip()
    m = _ALIAS_RE.fullmatch(version)
    if m is not None:
        version = m.group(1)
    flag = _STABILITY_FLAG_RE.search(version)
    if flag is not None:
        version = version[: flag.start()]
    if version in ("master", "trunk", "default"):
        version = "dev-" + version
    if version[:4].lower() == "dev-":
        return "dev-" + version[4:]
    b = _BUILD_RE.fullmatch(version)
    if b is not None:
        version = b.group(1)
    matches = _CLASSIC_RE.fullmatch(version)
    if matches is not None:
        groups: tuple[str | None, ...] = matches.groups()
        version = matches.group(1) + "".join(g if g else ".0" for g in groups[1:4])
        index = 4
    else:
        matches = _DATE_RE.fullmatch(version)
        if matches is not None:
            groups = matches.groups()
            version = _NON_DIGIT_RE.sub(".", matches.group(1))
            index = 1
    if matches is not None:
        stability, number, dev = groups[index], groups[index + 1], groups[index + 2]
        if stability:
            if stability == "stable":
                return version
            version += "-" + _expand_stability(stability) + (number.lstrip(".-") if number else "")
        if dev:
            version += "-dev"
        return version
    d = _DEV_SUFFIX_RE.fullmatch(version)
    if d is not None:
        normalized = _normalize_branch(d.group(1))
        if "dev-" not in normalized:
            return normalized
    raise InvalidVersion(f"{original!r}: invalid Composer version string")


# --- PHP version_compare -------------------------------------------------------------------------

_SPECIAL_FORMS = (
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
)


def _special_form_order(form: str) -> int:
    for name, order in _SPECIAL_FORMS:
        if form.startswith(name):
            return order
    return -1


def _isdigit(c: str) -> bool:
    return "0" <= c <= "9"


def php_canonicalize(version: str) -> str:
    """``php_canonicalize_version``: ``-``, ``_``, ``+`` and other non-alphanumerics become ``.``, and a
    ``.`` is inserted between digits and non-digits."""
    if not version:
        return version
    out = [version[0]]
    lp = version[0]
    for c in version[1:]:
        if c in "-_+":
            if out[-1] != ".":
                out.append(".")
        elif (lp != "." and not _isdigit(lp) and _isdigit(c)) or (
            _isdigit(lp) and c != "." and not _isdigit(c)
        ):
            if out[-1] != ".":
                out.append(".")
            out.append(c)
        elif not (c.isascii() and c.isalnum()):
            if out[-1] != ".":
                out.append(".")
        else:
            out.append(c)
        lp = c
    return "".join(out)


def _strtol(s: str) -> int:
    end = 0
    while end < len(s) and _isdigit(s[end]):
        end += 1
    return int(s[:end]) if end else 0


def _sign(n: int) -> int:
    return (n > 0) - (n < 0)


def _segment_order(a: str, b: str) -> int:
    if a and b and _isdigit(a[0]) and _isdigit(b[0]):
        return _sign(_strtol(a) - _strtol(b))
    if not (a and _isdigit(a[0])) and not (b and _isdigit(b[0])):
        return _sign(_special_form_order(a) - _special_form_order(b))
    if a and _isdigit(a[0]):
        return _sign(_special_form_order("#N#") - _special_form_order(b))
    return _sign(_special_form_order(a) - _special_form_order("#N#"))


def php_version_compare(v1: str, v2: str) -> int:
    """``php_version_compare`` from ``ext/standard/versioning.c``, -1/0/1.

    The C code walks two pointers over the canonical strings, cutting at each ``.``; ``p`` is the
    rest of the string and ``has_dot`` says whether the last cut found a ``.`` (``n != NULL``).
    """
    if not v1 or not v2:
        if not v1 and not v2:
            return 0
        return 1 if v1 else -1
    p1 = v1 if v1[0] == "#" else php_canonicalize(v1)
    p2 = v2 if v2[0] == "#" else php_canonicalize(v2)
    has_dot1 = has_dot2 = True
    compare = 0
    while p1 and p2 and has_dot1 and has_dot2:
        seg1, dot1, rest1 = p1.partition(".")
        seg2, dot2, rest2 = p2.partition(".")
        has_dot1, has_dot2 = bool(dot1), bool(dot2)
        compare = _segment_order(seg1, seg2)
        if compare != 0:
            break
        if has_dot1:
            p1 = rest1
        if has_dot2:
            p2 = rest2
    if compare == 0:
        if has_dot1:
            compare = 1 if p1 and _isdigit(p1[0]) else php_version_compare(p1, "#N#")
        elif has_dot2:
            compare = -1 if p2 and _isdigit(p2[0]) else php_version_compare("#N#", p2)
    return compare


ComposerKey: TypeAlias = tuple[tuple[int, ...], ...]
_END_SEGMENT = (4,)


def composer_key(normalized: str) -> ComposerKey:
    """A tuple whose order is ``version_compare``'s order on normalised Composer versions.

    A normalised version canonicalises to dot-separated segments that are all digits or all letters,
    with no empty segment and no ``#``. For such strings ``version_compare`` compares segment by
    segment: numbers numerically, letters by special-form order, a number against letters as the
    form ``#N#`` (order 4); when one side runs out, the other's next segment is compared with
    ``#N#`` too, a number beating it. So a number is ``(4, n)``, letters are ``(order,)`` and the
    end is ``(4,)``. (test_composer.py checks this against :func:`php_version_compare`.)
    """
    key: list[tuple[int, ...]] = []
    for segment in php_canonicalize(normalized).split("."):
        if segment and _isdigit(segment[0]):
            key.append((4, _strtol(segment)))
        else:
            key.append((_special_form_order(segment),))
    key.append(_END_SEGMENT)
    return tuple(key)


@lru_cache(maxsize=65536)
def parse_composer(text: str) -> ComposerKey:
    """Normalise a Packagist version; named ``dev-`` branches are refused (they have no order)."""
    normalized = normalize(text)
    if normalized.startswith("dev-"):
        raise InvalidVersion(f"{text!r}: Composer dev branch {normalized!r} has no version order")
    return composer_key(normalized)


class Composer:
    """Packagist: Composer normalisation and ``version_compare``."""

    name: ClassVar[str] = "composer"

    def parse(self, text: str) -> ComposerKey:
        return parse_composer(text)
