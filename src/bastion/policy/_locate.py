"""Line numbers for keys of YAML (and JSON) documents, so configuration errors can name file:line.

The data itself is parsed by the bounded parsers in :mod:`bastion.fs.parsing`; this only walks the
node tree PyYAML composes (with marks) to map a key path such as ``("waivers", 2, "expires")`` to the
line where it is written. JSON is YAML for this purpose; when composing fails the line is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

Path = tuple[str | int, ...]


class LineMap:
    """Key path → 1-based line; a missing path resolves to its nearest existing ancestor."""

    def __init__(self, lines: dict[Path, int]) -> None:
        self._lines = lines

    @classmethod
    def empty(cls) -> LineMap:
        return cls({})

    @classmethod
    def from_text(cls, text: str) -> LineMap:
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
        except (yaml.YAMLError, RecursionError, ValueError):
            return cls.empty()
        lines: dict[Path, int] = {}
        if node is not None:
            _walk(node, (), lines)
        return cls(lines)

    def line(self, path: Sequence[str | int]) -> int | None:
        key = tuple(path)
        while True:
            found = self._lines.get(key)
            if found is not None:
                return found
            if not key:
                return None
            key = key[:-1]


def _walk(node: yaml.Node, path: Path, lines: dict[Path, int]) -> None:
    stack: list[tuple[yaml.Node, Path]] = [(node, path)]
    seen = 0
    while stack:
        current, where = stack.pop()
        seen += 1
        if seen > 200_000:  # the parsers bound documents long before this; stay bounded regardless
            return
        lines.setdefault(where, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key_node, value_node in current.value:
                key = (
                    key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark.line)
                )
                child = (*where, key)
                lines[child] = key_node.start_mark.line + 1
                if isinstance(value_node, yaml.MappingNode | yaml.SequenceNode):
                    stack.append((value_node, child))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                child = (*where, index)
                lines[child] = item.start_mark.line + 1
                if isinstance(item, yaml.MappingNode | yaml.SequenceNode):
                    stack.append((item, child))


def dotted(path: Sequence[str | int]) -> str:
    """``("waivers", 2, "expires")`` → ``waivers[2].expires``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


class _ConfigLoader(yaml.SafeLoader):
    """Safe loader that keeps dates as text, so pydantic validates them with a key and a line."""


_ConfigLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}

MAX_CONFIG_BYTES = 4 << 20
MAX_CONFIG_NODES = 200_000


class YamlConfigError(ValueError):
    """Raised by :func:`load_config_yaml` with a ``name:line: problem`` message."""


def _bounded(node: yaml.Node, name: str) -> None:
    """Reject alias bombs and absurd nesting: node count with aliases expanded, computed with a memo."""
    memo: dict[int, int] = {}
    order: list[tuple[yaml.Node, bool]] = [(node, False)]
    on_path: set[int] = set()
    depth = 0
    while order:
        current, done = order.pop()
        key = id(current)
        if done:
            on_path.discard(key)
            depth -= 1
            children = _children(current)
            memo[key] = 1 + sum(memo.get(id(c), 1) for c in children)
            if memo[key] > MAX_CONFIG_NODES:
                raise YamlConfigError(f"{name}: more than {MAX_CONFIG_NODES} nodes once aliases are expanded")
            continue
        if key in memo:
            continue
        if key in on_path:
            raise YamlConfigError(f"{name}:{current.start_mark.line + 1}: recursive alias")
        on_path.add(key)
        depth += 1
        if depth > 64:
            raise YamlConfigError(f"{name}:{current.start_mark.line + 1}: nesting deeper than 64 levels")
        order.append((current, True))
        order.extend(
            (c, False) for c in _children(current) if isinstance(c, yaml.MappingNode | yaml.SequenceNode)
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def load_config_yaml(text: str, name: str) -> tuple[object, LineMap]:
    """One YAML document (dates as text) and its line map; errors carry ``name:line``."""
    if len(text) > MAX_CONFIG_BYTES:
        raise YamlConfigError(
            f"{name}: {len(text)} bytes is over the {MAX_CONFIG_BYTES}-byte limit for configuration"
        )
    loader = _ConfigLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, LineMap.empty()
        _bounded(node, name)
        lines: dict[Path, int] = {}
        _walk(node, (), lines)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f":{mark.line + 1}" if mark is not None else ""
        raise YamlConfigError(f"{name}{where}: invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlConfigError(f"{name}: invalid YAML: {exc}") from None
    except RecursionError:
        raise YamlConfigError(f"{name}: YAML nests too deeply") from None
    finally:
        loader.dispose()
    return data, LineMap(lines)
