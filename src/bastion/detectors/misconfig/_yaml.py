"""YAML with line numbers, under the same bounds as :mod:`bastion.fs.parsing`.

PyYAML's composer (libyaml when available) builds the node graph with marks; we convert it to plain
data ourselves, recording the line range of every value, counting nodes *with aliases expanded*
(billion laughs stop at ``limits.max_yaml_nodes``) and refusing deep nesting. CloudFormation short
forms (``!Ref``, ``!Sub``, ``!GetAtt`` …) become their long forms (``{"Ref": …}``, ``{"Fn::Sub": …}``).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

import yaml

from bastion.detectors.misconfig.base import MisconfigError, Path
from bastion.fs.limits import DEFAULT_LIMITS, Limits

try:
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_BINARY = "tag:yaml.org,2002:binary"
_MAX_DEPTH = 256


@dataclass
class YamlDoc:
    value: Any
    line: int
    end_line: int
    lines: dict[Path, tuple[int, int]] = field(default_factory=dict)


class _Converter:
    def __init__(self, path: str, limits: Limits, cfn: bool) -> None:
        self.path = path
        self.cap = limits.max_yaml_nodes
        self.max_depth = min(limits.max_nesting, _MAX_DEPTH)
        self.count = 0
        self.cfn = cfn

    def fail(self, node: yaml.Node, why: str) -> MisconfigError:
        return MisconfigError(f"{self.path}:{node.start_mark.line + 1}: YAML {why}")

    def convert(self, node: yaml.Node, at: Path, lines: dict[Path, tuple[int, int]], depth: int) -> Any:
        self.count += 1
        if self.count > self.cap:
            raise self.fail(node, f"has more than {self.cap} nodes once aliases are expanded (alias bomb?)")
        if depth > self.max_depth:
            raise self.fail(node, f"nests deeper than {self.max_depth} levels")
        end = node.end_mark.line + 1
        if isinstance(node, yaml.ScalarNode) and node.end_mark.column == 0 and end > node.start_mark.line + 1:
            end -= 1
        lines[at] = (node.start_mark.line + 1, max(end, node.start_mark.line + 1))
        tag = node.tag or ""
        if isinstance(node, yaml.ScalarNode):
            value: Any = self.scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = [self.convert(child, (*at, i), lines, depth + 1) for i, child in enumerate(node.value)]
        elif isinstance(node, yaml.MappingNode):
            value = self.mapping(node, at, lines, depth)
        else:  # pragma: no cover
            value = None
        if tag.startswith("!") and self.cfn:
            name = tag[1:]
            if name == "GetAtt" and isinstance(value, str):
                value = value.split(".", 1)
            key = name if name in ("Ref", "Condition") else f"Fn::{name}"
            return {key: value}
        return value

    def mapping(
        self, node: yaml.MappingNode, at: Path, lines: dict[Path, tuple[int, int]], depth: int
    ) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merges: list[dict[Any, Any]] = []
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged = self.convert(value_node, (*at, "<<"), {}, depth + 1)
                for m in merged if isinstance(merged, list) else [merged]:
                    if isinstance(m, dict):
                        merges.append(m)
                continue
            key = (
                self.scalar(key_node)
                if isinstance(key_node, yaml.ScalarNode)
                else str(self.convert(key_node, at, {}, depth + 1))
            )
            if isinstance(key, list | dict):
                key = str(key)
            out[key] = self.convert(value_node, (*at, key), lines, depth + 1)
            start, end = lines[(*at, key)]
            lines[(*at, key)] = (min(start, key_node.start_mark.line + 1), end)
        for m in reversed(merges):
            for k, v in m.items():
                out.setdefault(k, v)
        return out

    @staticmethod
    def scalar(node: yaml.ScalarNode) -> Any:
        text = node.value
        tag = node.tag
        if tag == _STR or node.style in ("'", '"', "|", ">"):
            return text
        try:
            if tag == _INT:
                t = text.replace("_", "")
                if t.startswith(("0x", "-0x", "+0x")):
                    return int(t, 16)
                if t.startswith(("0o", "-0o")):
                    return int(t.replace("0o", ""), 8)
                if len(t) > 1 and t.lstrip("+-").startswith("0") and t.lstrip("+-").isdigit():
                    return int(t, 8)
                if ":" in t:
                    return text
                return int(t)
            if tag == _FLOAT:
                low = text.lower().replace("_", "")
                if low in (".inf", "+.inf"):
                    return float("inf")
                if low == "-.inf":
                    return float("-inf")
                if low == ".nan":
                    return float("nan")
                return float(low) if ":" not in low else text
        except ValueError:
            return text
        if tag == _BOOL:
            return text.lower() in ("true", "yes", "on", "y")
        if tag == _NULL:
            return None
        if tag == _BINARY:
            try:
                return base64.b64decode(text)
            except ValueError:
                return text
        return text


def _expanded_size(conv: _Converter, root: yaml.Node) -> None:
    """Count nodes with aliases expanded, without expanding them (memo per node object)."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def size(node: yaml.Node, depth: int) -> int:
        key = id(node)
        got = memo.get(key)
        if got is not None:
            return got
        if depth > conv.max_depth:
            raise conv.fail(node, f"nests deeper than {conv.max_depth} levels")
        if key in active:
            raise conv.fail(node, "has a recursive alias")
        total = 1
        if isinstance(node, yaml.SequenceNode):
            active.add(key)
            for child in node.value:
                total += size(child, depth + 1)
                if total > conv.cap:
                    break
            active.discard(key)
        elif isinstance(node, yaml.MappingNode):
            active.add(key)
            for k, v in node.value:
                total += size(k, depth + 1) + size(v, depth + 1)
                if total > conv.cap:
                    break
            active.discard(key)
        if total > conv.cap:
            raise conv.fail(node, f"has more than {conv.cap} nodes once aliases are expanded (alias bomb?)")
        memo[key] = total
        return total

    size(root, 1)


def load_yaml_docs(
    data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS, *, cfn: bool = False
) -> list[YamlDoc]:
    """Every document of a YAML stream with its line map. Raises :class:`MisconfigError` with
    ``path:line`` on syntax errors and on inputs over the bounds."""
    if len(data) > limits.max_parse_bytes:
        raise MisconfigError(
            f"{path}: file is {len(data)} bytes, over the {limits.max_parse_bytes}-byte parse limit"
        )
    conv = _Converter(path, limits, cfn)
    docs: list[YamlDoc] = []
    try:
        for node in yaml.compose_all(data, Loader=_Loader):
            if node is None:
                continue
            _expanded_size(conv, node)
            lines: dict[Path, tuple[int, int]] = {}
            value = conv.convert(node, (), lines, 1)
            start, end = lines.get((), (1, 1))
            docs.append(YamlDoc(value, start, end, lines))
    except RecursionError:
        raise MisconfigError(f"{path}: YAML nests too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        context, cmark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and cmark is not None and mark is not None and cmark.line != mark.line:
            problem = f"{problem} ({context} started on line {cmark.line + 1})"
        raise MisconfigError(f"{path}{where}: invalid YAML: {problem}") from None
    return docs
