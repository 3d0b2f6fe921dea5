"""Alpine apk versions (Alpine, Wolfi, Chainguard): apk-tools ``src/version.c``.

The grammar is Gentoo's: ``{digit}{.digit}...{letter}{_suffix{#}}...{-r#}``. apk-tools compares two
versions by walking both token streams in lock step; this module turns one version into the stream of
``(token_type, value)`` pairs apk-tools would produce and compares streams the way
``apk_version_compare`` does:

* numbers compare numerically, except that a dot-separated component with leading zeros compares by
  "minus the number of zeros" first (``1.05 < 1.5``, ``1.0 > 1.00``), as apk-tools does;
* one lower-case letter may follow a number (``1.0a < 1.0b``);
* suffixes ``_alpha < _beta < _pre < _rc`` sort before the release and ``_cvs < _svn < _git < _hg
  < _p`` after it, each with an optional number;
* ``-rN`` is the package revision;
* when all shared tokens are equal, the version that goes on is newer, unless it goes on with a
  pre-release suffix; otherwise the token type that comes later in the grammar is *older*
  (``1.0_p1 > 1.0`` but ``1.0-r1 > 1.0.1`` is false: ``1.0.1 > 1.0-r1``).

apk-tools compares invalid versions too (it stops at the first bad token); ``parse`` rejects them,
as ``apk_version_validate`` does.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["Apk", "ApkKey", "parse_apk"]

# enum PARTS in apk-tools src/version.c
_INVALID = -1
_DIGIT_OR_ZERO = 0
_DIGIT = 1
_LETTER = 2
_SUFFIX = 3
_SUFFIX_NO = 4
_REVISION_NO = 5
_END = 6

_PRE_SUFFIXES = ("alpha", "beta", "pre", "rc")
_POST_SUFFIXES = ("cvs", "svn", "git", "hg", "p")


def _next_token(t: int, s: str, i: int) -> tuple[int, int]:
    """apk-tools ``next_token``: the type of the token at ``s[i]``, and the index after its separator."""
    n = _INVALID
    if i >= len(s) or s[i] == "\0":
        n = _END
    elif t in (_DIGIT, _DIGIT_OR_ZERO) and "a" <= s[i] <= "z":
        n = _LETTER
    elif t == _LETTER and "0" <= s[i] <= "9":
        n = _DIGIT
    elif t == _SUFFIX and "0" <= s[i] <= "9":
        n = _SUFFIX_NO
    else:
        c = s[i]
        if c == ".":
            n = _DIGIT_OR_ZERO
        elif c == "_":
            n = _SUFFIX
        elif c == "-":
            if i + 1 < len(s) and s[i + 1] == "r":
                n = _REVISION_NO
                i += 1
            else:
                n = _INVALID
        i += 1
    if n < t and not (
        (n == _DIGIT_OR_ZERO and t == _DIGIT)
        or (n == _SUFFIX and t == _SUFFIX_NO)
        or (n == _DIGIT and t == _LETTER)
    ):
        n = _INVALID
    return n, i


def _get_token(t: int, s: str, i: int) -> tuple[int, int, int]:
    """apk-tools ``get_token``: ``(value, next_type, next_index)`` for the token of type ``t`` at ``s[i]``."""
    if i >= len(s):
        return 0, _END, i
    v = 0
    j = i
    nt = _INVALID
    if t == _DIGIT_OR_ZERO and s[j] == "0":
        # Leading zero digits get a special treatment.
        while j < len(s) and s[j] == "0":
            j += 1
        nt = _DIGIT
        v = -(j - i)
    elif t in (_DIGIT_OR_ZERO, _DIGIT, _SUFFIX_NO, _REVISION_NO):
        while j < len(s) and "0" <= s[j] <= "9":
            v = v * 10 + ord(s[j]) - 48
            j += 1
    elif t == _LETTER:
        v = ord(s[j])
        j += 1
    elif t == _SUFFIX:
        for k, suffix in enumerate(_PRE_SUFFIXES):
            if s.startswith(suffix, j):
                v = k - len(_PRE_SUFFIXES)
                j += len(suffix)
                break
        else:
            for k, suffix in enumerate(_POST_SUFFIXES):
                if s.startswith(suffix, j):
                    v = k
                    j += len(suffix)
                    break
            else:
                return -1, _INVALID, j
    else:
        return -1, _INVALID, j
    if j >= len(s):
        return v, _END, j
    if nt != _INVALID:
        return v, nt, j
    nt, j = _next_token(t, s, j)
    return v, nt, j


ApkKey: TypeAlias = tuple[int, ...]


def _rank(token_type: int, value: int) -> int:
    """How the type of the *next* token decides a comparison once all values so far are equal.

    From ``apk_version_compare_blob_fuzzy``: a pre-release suffix (negative value) loses to
    everything; otherwise the stream whose next token comes *earlier* in the grammar is newer
    (``1.0.1 > 1.0-r1 > 1.0``). Equal types go on to compare the next value.
    """
    if token_type == _SUFFIX and value < 0:
        return -100
    return -token_type


@lru_cache(maxsize=65536)
def parse_apk(text: str) -> ApkKey:
    """Tokenise an apk version; :class:`InvalidVersion` when ``apk_version_validate`` would fail.

    The key is ``(value_0, rank_1, value_1, rank_2, …, value_n, rank_END)``: each token's value
    followed by the rank of the token type that comes after it (see :func:`_rank`). Comparing two
    such tuples replays apk-tools' lock-step walk: values decide first, and the first difference in
    the following token type decides the rest.
    """
    if not text:
        raise InvalidVersion(f"{text!r}: empty apk version")
    tokens: list[tuple[int, int]] = []
    t, i = _DIGIT, 0
    while t not in (_END, _INVALID):
        v, nt, i = _get_token(t, text, i)
        tokens.append((t, v))
        t = nt
    if t == _INVALID:
        raise InvalidVersion(f"{text!r}: not a valid apk version (expected N[.N]…[a][_suffix[N]]…[-rN])")
    tokens.append((_END, 0))
    key: list[int] = []
    for k in range(len(tokens) - 1):
        key.append(tokens[k][1])
        next_type, next_value = tokens[k + 1]
        key.append(_rank(next_type, next_value))
    return tuple(key)


class Apk:
    """Alpine, Wolfi and Chainguard: apk-tools version comparison."""

    name: ClassVar[str] = "apk"

    def parse(self, text: str) -> ApkKey:
        return parse_apk(text)
