"""Maven versions: a port of ``org.apache.maven.artifact.versioning.ComparableVersion``.

Ported from apache/maven ``compat/maven-artifact/src/main/java/org/apache/maven/artifact/versioning/
ComparableVersion.java`` (commit 27f715d6, the Maven 4 line, which includes MNG-5568, MNG-6572,
MNG-6964, MNG-7644 and MNG-7714). In short:

* the version is lower-cased and split at ``.``, ``-`` and digit/letter transitions into items:
  numbers, qualifier strings, "combinations" (a qualifier with its number, ``rc1``, ``alpha-2``) and
  sub-lists (a ``-`` or a digit/letter transition opens a nested list);
* qualifiers order ``alpha`` (``a1``) < ``beta`` (``b1``) < ``milestone`` (``m1``) < ``rc`` = ``cr`` <
  ``snapshot`` < ``""`` = ``ga`` = ``final`` = ``release`` < ``sp`` < any other string (lexically);
* missing items compare as "null": ``1 == 1.0 == 1-0``, ``1-rc < 1``, ``1-sp > 1``;
* trailing null items (``0``, empty qualifiers) are normalised away.

Every string is a valid Maven version (Maven never rejects one); only the empty string is refused
here, because an empty version in an inventory or advisory is a data error, not version ``0``.

Keys are :class:`MavenVersion` objects whose comparison walks the item trees exactly as the Java code
does (the nesting and null-padding rules do not fit a flat tuple). Parsing is cached.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar, TypeAlias

from bastion.versions.base import InvalidVersion

__all__ = ["Maven", "MavenVersion", "parse_maven"]

_QUALIFIERS = ("alpha", "beta", "milestone", "rc", "snapshot", "", "sp")
_RELEASE_QUALIFIERS = frozenset({"ga", "final", "release"})
_RELEASE_VERSION_INDEX = str(_QUALIFIERS.index(""))
_ALIASES = {"cr": "rc"}
_SINGLE_LETTER = {"a": "alpha", "b": "beta", "m": "milestone"}


def _comparable_qualifier(qualifier: str) -> str:
    # StringItem.comparableQualifier: known qualifiers by index, unknown ones after them, lexically.
    if qualifier in _RELEASE_QUALIFIERS:
        return _RELEASE_VERSION_INDEX
    try:
        return str(_QUALIFIERS.index(qualifier))
    except ValueError:
        return f"{len(_QUALIFIERS)}-{qualifier}"


def _sign(a: str, b: str) -> int:
    return (a > b) - (a < b)


class _Int:
    __slots__ = ("value",)

    def __init__(self, value: int) -> None:
        self.value = value

    def is_null(self) -> bool:
        return self.value == 0

    def __repr__(self) -> str:
        return str(self.value)


class _Str:
    __slots__ = ("cq", "value")

    def __init__(self, value: str, followed_by_digit: bool) -> None:
        if followed_by_digit and len(value) == 1:
            value = _SINGLE_LETTER.get(value, value)
        self.value = _ALIASES.get(value, value)
        self.cq = _comparable_qualifier(self.value)

    def is_null(self) -> bool:
        return not self.value

    def __repr__(self) -> str:
        return self.value


class _Combo:
    __slots__ = ("digit_part", "string_part")

    def __init__(self, value: str) -> None:
        index = 0
        for i, c in enumerate(value):
            if c.isdecimal():
                index = i
                break
        self.string_part = _Str(value[:index], True)
        self.digit_part = _parse_item(False, True, value[index:])

    def is_null(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"{self.string_part!r}{self.digit_part!r}"


class _List(list["_Item"]):
    def is_null(self) -> bool:
        return not self

    def normalize(self) -> None:
        for i in range(len(self) - 1, -1, -1):
            item = self[i]
            if not item.is_null():
                continue
            if i == len(self) - 1 or isinstance(self[i + 1], _Str):
                del self[i]
            else:
                following = self[i + 1]
                if isinstance(following, _List):
                    if not following:
                        raise IndexError("empty sub-list")  # Java: IndexOutOfBoundsException
                    if isinstance(following[0], _Combo | _Str):
                        del self[i]

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(i) for i in self) + "]"


_Item: TypeAlias = _Int | _Str | _Combo | _List


def _cmp(a: _Item, b: _Item | None) -> int:
    """``a.compareTo(b)`` of the Java item classes; ``b`` None is the "missing item"."""
    if isinstance(a, _Int):
        if b is None:
            return 0 if a.value == 0 else 1
        if isinstance(b, _Int):
            return (a.value > b.value) - (a.value < b.value)
        return 1  # 1.1 > 1-sp, 1.1 > 1-1, 1.1 > 1.any
    if isinstance(a, _Str):
        if b is None:
            return _sign(a.cq, _RELEASE_VERSION_INDEX)  # 1-rc < 1, 1-ga == 1, 1-sp > 1
        if isinstance(b, _Int | _List):
            return -1
        if isinstance(b, _Str):
            return _sign(a.cq, b.cq)
        result = _cmp(a, b.string_part)
        return -1 if result == 0 else result
    if isinstance(a, _Combo):
        if b is None:
            return _cmp(a.string_part, None)
        if isinstance(b, _Int | _List):
            return -1
        if isinstance(b, _Str):
            result = _cmp(a.string_part, b)
            return 1 if result == 0 else result  # X1 > X
        result = _cmp(a.string_part, b.string_part)
        return _cmp(a.digit_part, b.digit_part) if result == 0 else result
    # a is a list
    if b is None:
        for item in a:
            result = _cmp(item, None)
            if result:
                return result
        return 0
    if isinstance(b, _Int):
        return -1  # 1-1 < 1.0.x
    if isinstance(b, _Str | _Combo):
        return 1  # 1-1 > 1-sp
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else None
        right = b[i] if i < len(b) else None
        if left is None:
            result = 0 if right is None else -_cmp(right, None)
        else:
            result = _cmp(left, right)
        if result:
            return result
    return 0


def _parse_item(is_combination: bool, is_digit: bool, buf: str) -> _Item:
    if is_combination:
        return _Combo(buf.replace("-", ""))
    if is_digit:
        return _Int(int(buf) if buf else 0)
    return _Str(buf, False)


def _parse_items(version: str) -> _List:
    """ComparableVersion.parseVersion."""
    version = version.lower()
    items = _List()
    current = items
    stack = [current]
    is_digit = False
    is_combination = False
    start = 0
    n = len(version)
    for i, c in enumerate(version):
        if c == ".":
            if i == start:
                current.append(_Int(0))
            else:
                current.append(_parse_item(is_combination, is_digit, version[start:i]))
            is_combination = False
            start = i + 1
        elif c == "-":
            if i == start:
                current.append(_Int(0))
            else:
                # X-1 is treated as X1
                if not is_digit and i != n - 1 and version[i + 1].isdecimal():
                    is_combination = True
                    continue
                current.append(_parse_item(is_combination, is_digit, version[start:i]))
            start = i + 1
            if current:
                new = _List()
                current.append(new)
                current = new
                stack.append(new)
            is_combination = False
        elif "0" <= c <= "9":
            if not is_digit and i > start:
                is_combination = True  # X1
                if current:
                    new = _List()
                    current.append(new)
                    current = new
                    stack.append(new)
            is_digit = True
        else:
            if is_digit and i > start:
                current.append(_parse_item(is_combination, True, version[start:i]))
                start = i
                new = _List()
                current.append(new)
                current = new
                stack.append(new)
                is_combination = False
            is_digit = False
    if n > start:
        # 1.0.0.X1 < 1.0.0-X2: treat .X as -X for any string qualifier X
        if not is_digit and current:
            new = _List()
            current.append(new)
            current = new
            stack.append(new)
        current.append(_parse_item(is_combination, is_digit, version[start:]))
    while stack:
        stack.pop().normalize()
    return items


class MavenVersion:
    """A parsed Maven version; ordering is ``ComparableVersion.compareTo``."""

    __slots__ = ("_items", "text")

    def __init__(self, text: str, items: _List) -> None:
        self.text = text
        self._items = items

    def _cmp(self, other: MavenVersion) -> int:
        return _cmp(self._items, other._items)

    def __lt__(self, other: MavenVersion) -> bool:
        return self._cmp(other) < 0

    def __le__(self, other: MavenVersion) -> bool:
        return self._cmp(other) <= 0

    def __gt__(self, other: MavenVersion) -> bool:
        return self._cmp(other) > 0

    def __ge__(self, other: MavenVersion) -> bool:
        return self._cmp(other) >= 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MavenVersion):
            return NotImplemented
        return self._cmp(other) == 0

    def __hash__(self) -> int:
        # Consistent with __eq__: versions that compare equal start with the same non-zero number,
        # or neither starts with one (a leading Int n != 0 only compares equal to Int n).
        first = self._items[0] if self._items else None
        if isinstance(first, _Int) and first.value:
            return hash(first.value)
        return 0

    @property
    def canonical(self) -> str:
        """The item tree, for debugging (not Maven's ``getCanonical`` spelling)."""
        return repr(self._items)

    def __repr__(self) -> str:
        return f"MavenVersion({self.text!r})"


@lru_cache(maxsize=65536)
def parse_maven(text: str) -> MavenVersion:
    """Parse a Maven version (every non-empty string is one)."""
    if not text or text.isspace():
        raise InvalidVersion(f"{text!r}: empty Maven version")
    try:
        return MavenVersion(text, _parse_items(text))
    except IndexError:
        raise InvalidVersion(f"{text!r}: ComparableVersion cannot parse this version") from None


class Maven:
    """Maven Central: ``ComparableVersion`` ordering."""

    name: ClassVar[str] = "maven"

    def parse(self, text: str) -> MavenVersion:
        return parse_maven(text)
