"""A small, fast HCL2 reader that keeps a line number for every block and attribute.

python-hcl2 (Lark) takes about 40 ms per kilobyte here and gives no attribute lines, so Terraform
files are read by this hand-written recursive-descent parser; python-hcl2 remains the reference the
tests compare it with. What it returns is plain data shaped like python-hcl2's output with quotes
stripped:

- literals (strings without interpolation, numbers, bools, null, lists, objects) become Python values;
- anything else (references, function calls, conditionals, ``for`` expressions, templates with
  ``${…}``) becomes the string ``"${<source text>}"`` (templates keep their own text), except
  ``jsonencode(<literal>)``, which becomes the literal, so policy documents can be inspected;
- nested blocks become lists of dicts under their type (labels, for ``dynamic "x"``, under
  ``"__labels__"``).

Errors raise :class:`MisconfigError` with ``path:line``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from bastion.detectors.misconfig.base import MisconfigError, Path

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_\-]*")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_WS = re.compile(r"[ \t\r]*")
_HEREDOC = re.compile(r"<<(-?)([A-Za-z_][A-Za-z0-9_\-]*)[ \t]*\r?\n")
_MAX_DEPTH = 200
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class HclBlock:
    type: str
    labels: list[str]
    body: dict[str, Any]
    line: int
    end_line: int
    lines: dict[Path, tuple[int, int]] = field(default_factory=dict)


class _Unsupported(Exception):
    pass


class _Parser:
    def __init__(self, text: str, path: str) -> None:
        self.s = text
        self.n = len(text)
        self.i = 0
        self.path = path
        self.nl = [m.start() for m in re.finditer("\n", text)]

    # -- positions and errors ---------------------------------------------------------------------
    def line_at(self, pos: int) -> int:
        return bisect.bisect_left(self.nl, pos) + 1

    def error(self, what: str, pos: int | None = None) -> MisconfigError:
        p = self.i if pos is None else pos
        near = self.s[p : p + 20].split("\n", 1)[0]
        tail = (
            f" near {near!r}" if near.strip() else (" at end of file" if p >= self.n else " at end of line")
        )
        return MisconfigError(f"{self.path}:{self.line_at(p)}: invalid HCL: {what}{tail}")

    # -- whitespace ---------------------------------------------------------------------------------
    def skip_inline(self) -> None:
        """Spaces, tabs and comments, but not newlines (a newline ends an attribute)."""
        s, n = self.s, self.n
        while self.i < n:
            c = s[self.i]
            if c in " \t\r":
                self.i += 1
            elif c == "#" or (c == "/" and s.startswith("//", self.i)):
                j = s.find("\n", self.i)
                self.i = n if j < 0 else j
            elif c == "/" and s.startswith("/*", self.i):
                j = s.find("*/", self.i + 2)
                if j < 0:
                    raise self.error("unterminated /* comment")
                self.i = j + 2
            elif c == "\\" and s.startswith("\\\n", self.i):
                self.i += 2
            else:
                return

    def skip_all(self) -> None:
        s, n = self.s, self.n
        while True:
            self.skip_inline()
            if self.i < n and s[self.i] == "\n":
                self.i += 1
                continue
            return

    # -- structure ----------------------------------------------------------------------------------
    def parse_file(self) -> list[HclBlock]:
        top: list[HclBlock] = []
        while True:
            self.skip_all()
            if self.i >= self.n:
                return top
            start = self.i
            name = self.ident()
            self.skip_inline()
            if self.i < self.n and self.s[self.i] == "=" and not self.s.startswith("==", self.i):
                # top-level attribute (.tfvars files): a pseudo-block
                self.i += 1
                lines: dict[Path, tuple[int, int]] = {}
                value = self.expr((), lines, 0, "")
                top.append(
                    HclBlock(
                        "__attr__",
                        [name],
                        {name: value},
                        self.line_at(start),
                        self.line_at(max(self.i - 1, start)),
                        lines,
                    )
                )
                self.end_of_item()
                continue
            labels = self.labels()
            block_lines: dict[Path, tuple[int, int]] = {}
            body = self.block_body((), block_lines, 1)
            top.append(
                HclBlock(name, labels, body, self.line_at(start), self.line_at(self.i - 1), block_lines)
            )

    def ident(self) -> str:
        m = _IDENT.match(self.s, self.i)
        if not m:
            raise self.error("expected an identifier")
        self.i = m.end()
        return m.group()

    def labels(self) -> list[str]:
        labels: list[str] = []
        while True:
            self.skip_inline()
            if self.i >= self.n:
                raise self.error("expected '{'")
            c = self.s[self.i]
            if c == "{":
                self.i += 1
                return labels
            if c == '"':
                value, _ = self.string()
                labels.append(value)
            elif _IDENT.match(self.s, self.i):
                labels.append(self.ident())
            else:
                raise self.error("expected a block label or '{'")

    def block_body(self, at: Path, lines: dict[Path, tuple[int, int]], depth: int) -> dict[str, Any]:
        if depth > _MAX_DEPTH:
            raise self.error("blocks nest too deeply")
        body: dict[str, Any] = {}
        while True:
            self.skip_all()
            if self.i >= self.n:
                raise self.error("expected '}' to close the block")
            if self.s[self.i] == "}":
                self.i += 1
                return body
            start = self.i
            name = self.ident()
            self.skip_inline()
            if self.i < self.n and self.s[self.i] == "=" and not self.s.startswith("==", self.i):
                self.i += 1
                value = self.expr((*at, name), lines, depth, "}")
                body[name] = value
                lines[(*at, name)] = (self.line_at(start), self.line_at(max(self.i - 1, start)))
                self.end_of_item("}")
                continue
            labels = self.labels()
            items = body.setdefault(name, [])
            if not isinstance(items, list):
                items = body[name] = [items]
            child_at: Path = (*at, name, len(items))
            child = self.block_body(child_at, lines, depth + 1)
            if labels:
                child["__labels__"] = labels
            items.append(child)
            lines[child_at] = (self.line_at(start), self.line_at(self.i - 1))
            if (*at, name) not in lines:
                lines[(*at, name)] = lines[child_at]

    def end_of_item(self, closer: str = "") -> None:
        self.skip_inline()
        if self.i >= self.n:
            return
        c = self.s[self.i]
        if c == "\n":
            self.i += 1
        elif closer and c == closer:
            return
        else:
            raise self.error("expected a newline after the attribute")

    # -- expressions --------------------------------------------------------------------------------
    def expr(self, at: Path, lines: dict[Path, tuple[int, int]], depth: int, closers: str) -> Any:
        """One expression; ``closers`` are the characters that may end it besides a newline/comma."""
        self.skip_inline()
        start = self.i
        try:
            value = self.primary(at, lines, depth, closers)
            self.skip_inline()
            if self.at_end(closers):
                return value
        except _Unsupported:
            pass
        self.i = start
        return "${" + self.raw(closers).strip() + "}"

    def at_end(self, closers: str) -> bool:
        if self.i >= self.n:
            return True
        c = self.s[self.i]
        return c in "\n," or c in closers

    def primary(self, at: Path, lines: dict[Path, tuple[int, int]], depth: int, closers: str) -> Any:
        if depth > _MAX_DEPTH:
            raise self.error("expression nests too deeply")
        if self.i >= self.n:
            raise self.error("expected an expression")
        s = self.s
        c = s[self.i]
        if c == '"':
            return self.string()[0]
        if c == "<" and s.startswith("<<", self.i):
            return self.heredoc()
        if c == "[":
            return self.list_value(at, lines, depth)
        if c == "{":
            return self.object_value(at, lines, depth)
        if c in "-0123456789":
            m = _NUMBER.match(s, self.i)
            if not m:
                raise _Unsupported
            self.i = m.end()
            text = m.group()
            return float(text) if any(ch in text for ch in ".eE") else int(text)
        m = _IDENT.match(s, self.i)
        if m:
            word = m.group()
            if word in ("true", "false", "null"):
                self.i = m.end()
                return {"true": True, "false": False, "null": None}[word]
            if word == "jsonencode" and s.startswith("(", m.end()):
                self.i = m.end() + 1
                self.skip_all()
                inner = self.primary(at, lines, depth + 1, ")")
                self.skip_all()
                if self.i < self.n and s[self.i] == ")":
                    self.i += 1
                    return inner
        raise _Unsupported

    def list_value(self, at: Path, lines: dict[Path, tuple[int, int]], depth: int) -> list[Any]:
        self.i += 1
        self.skip_all()
        if (
            _IDENT.match(self.s, self.i)
            and self.s.startswith("for", self.i)
            and not _IDENT.match(self.s, self.i + 3)
        ):
            raise _Unsupported
        out: list[Any] = []
        while True:
            self.skip_all()
            if self.i >= self.n:
                raise self.error("expected ']'")
            if self.s[self.i] == "]":
                self.i += 1
                return out
            start = self.i
            value = self.expr((*at, len(out)), lines, depth + 1, "]")
            lines[(*at, len(out))] = (self.line_at(start), self.line_at(max(self.i - 1, start)))
            out.append(value)
            self.skip_all()
            if self.i < self.n and self.s[self.i] == ",":
                self.i += 1

    def object_value(self, at: Path, lines: dict[Path, tuple[int, int]], depth: int) -> dict[str, Any]:
        self.i += 1
        self.skip_all()
        if self.s.startswith("for", self.i) and not _IDENT.match(self.s, self.i + 3):
            raise _Unsupported
        out: dict[str, Any] = {}
        while True:
            self.skip_all()
            if self.i >= self.n:
                raise self.error("expected '}'")
            c = self.s[self.i]
            if c == "}":
                self.i += 1
                return out
            start = self.i
            if c == '"':
                key, _ = self.string()
            elif c == "(":
                key = self.raw("=:").strip()
            else:
                m = re.compile(r"[A-Za-z_][A-Za-z0-9_\-.]*").match(self.s, self.i)
                if not m:
                    raise _Unsupported
                key = m.group()
                self.i = m.end()
            self.skip_inline()
            if self.i < self.n and self.s[self.i] in "=:":
                self.i += 1
            else:
                raise _Unsupported
            value = self.expr((*at, key), lines, depth + 1, "}")
            lines[(*at, key)] = (self.line_at(start), self.line_at(max(self.i - 1, start)))
            out[key] = value
            self.skip_inline()
            if self.i < self.n and self.s[self.i] == ",":
                self.i += 1

    def string(self) -> tuple[str, bool]:
        """A quoted template; returns (text, plain) where plain means no interpolation."""
        s, n = self.s, self.n
        start = self.i
        self.i += 1
        out: list[str] = []
        plain = True
        while self.i < n:
            c = s[self.i]
            if c == '"':
                self.i += 1
                return "".join(out), plain
            if c == "\\":
                nxt = s[self.i + 1 : self.i + 2]
                if nxt == "u":
                    try:
                        out.append(chr(int(s[self.i + 2 : self.i + 6], 16)))
                    except ValueError:
                        out.append("\\u")
                    self.i += 6
                    continue
                out.append(_ESCAPES.get(nxt, "\\" + nxt))
                self.i += 2
                continue
            if c == "\n":
                raise self.error("unterminated string", start)
            if c in "$%" and s.startswith(c + "{", self.i + 1):  # $${ / %%{ escape a literal
                out.append(c + "{")
                self.i += 3
                continue
            if c in "$%" and s.startswith("{", self.i + 1):
                plain = False
                j = self.template_end(self.i + 2)
                out.append(s[self.i : j])
                self.i = j
                continue
            out.append(c)
            self.i += 1
        raise self.error("unterminated string", start)

    def template_end(self, j: int) -> int:
        """Index just past the ``}`` that closes an interpolation starting before ``j``."""
        s, n = self.s, self.n
        depth = 1
        while j < n:
            c = s[j]
            if c == '"':
                saved = self.i
                self.i = j
                self.string()
                j = self.i
                self.i = saved
                continue
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return j + 1
            j += 1
        raise self.error("unterminated ${ interpolation", j)

    def heredoc(self) -> str:
        m = _HEREDOC.match(self.s, self.i)
        if not m:
            raise _Unsupported
        indent, marker = m.group(1), m.group(2)
        body_start = m.end()
        end = re.compile(r"^[ \t]*" + re.escape(marker) + r"[ \t]*$", re.M).search(self.s, body_start)
        if not end:
            raise self.error(f"heredoc {marker} is not terminated", self.i)
        text = self.s[body_start : end.start()]
        self.i = end.end()
        if indent:
            rows = text.split("\n")
            widths = [len(r) - len(r.lstrip(" \t")) for r in rows if r.strip()]
            cut = min(widths) if widths else 0
            text = "\n".join(r[cut:] for r in rows)
        return text

    def raw(self, closers: str) -> str:
        """Source text of an expression we do not evaluate: up to a newline, comma or closer at depth 0."""
        s, n = self.s, self.n
        start = self.i
        stack: list[str] = []
        pairs = {"(": ")", "[": "]", "{": "}"}
        while self.i < n:
            c = s[self.i]
            if c == '"':
                self.string()
                continue
            if c == "<" and s.startswith("<<", self.i) and _HEREDOC.match(s, self.i):
                self.heredoc()
                continue
            if c == "#" or (c == "/" and s[self.i : self.i + 2] in ("//", "/*")):
                if not stack:
                    break
                self.skip_inline()
                continue
            if c in pairs:
                stack.append(pairs[c])
            elif c in ")]}":
                if not stack:
                    if c in closers:
                        break
                    raise self.error(f"unexpected {c!r}")
                if stack.pop() != c:
                    raise self.error(f"mismatched {c!r}")
            elif not stack and (c == "\n" or c == "," or c in closers):
                break
            self.i += 1
        if stack:
            raise self.error(f"expected {stack[-1]!r}", start)
        text = s[start : self.i]
        if not text.strip():
            raise self.error("expected an expression", start)
        return text


def parse_hcl(text: str, path: str) -> list[HclBlock]:
    """Top-level blocks (and ``__attr__`` pseudo-blocks for top-level attributes, as in .tfvars)."""
    try:
        return _Parser(text, path).parse_file()
    except RecursionError:
        raise MisconfigError(f"{path}: HCL nests too deeply") from None
