"""Bounded parsers for untrusted structured files: JSON, YAML, TOML, XML.

Every extractor and config reader parses through these, so one absurd file (deep nesting, alias
bombs, entity expansion, sheer size) costs milliseconds and becomes one clear :class:`ParseError`
naming the file and the problem.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

import defusedxml.ElementTree as DefusedET
import yaml
from defusedxml import DefusedXmlException

from bastion.errors import ExtractError
from bastion.fs.limits import DEFAULT_LIMITS, Limits

try:  # libyaml is much faster; fall back to the pure-Python loader where it is missing.
    _YamlLoader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader


class ParseError(ExtractError):
    """A structured file could not be parsed; the message starts with the file name."""


def _check_size(data: bytes | str, path: str, limits: Limits) -> None:
    if len(data) > limits.max_parse_bytes:
        raise ParseError(
            f"{path}: file is {len(data)} bytes, over the {limits.max_parse_bytes}-byte parse limit"
        )


def decode_text(data: bytes, path: str) -> str:
    """UTF-8 (with or without BOM), falling back to Latin-1 so a stray byte never aborts a parse."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _depth(obj: Any, limit: int) -> None:
    """Raise ValueError when a parsed container graph nests deeper than ``limit`` (iterative)."""
    stack: list[tuple[Any, int]] = [(obj, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise ValueError(f"nesting deeper than {limit} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def load_json(data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    _check_size(data, path, limits)
    try:
        obj = json.loads(data)
    except RecursionError:
        raise ParseError(f"{path}: JSON nests too deeply") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ParseError(f"{path}: invalid JSON: {exc}") from None
    try:
        _depth(obj, limits.max_nesting)
    except ValueError as exc:
        raise ParseError(f"{path}: JSON {exc}") from None
    return obj


def load_toml(data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    _check_size(data, path, limits)
    text = decode_text(data, path) if isinstance(data, bytes) else data
    try:
        obj = tomllib.loads(text)
    except RecursionError:
        raise ParseError(f"{path}: TOML nests too deeply") from None
    except tomllib.TOMLDecodeError as exc:
        raise ParseError(f"{path}: invalid TOML: {exc}") from None
    try:
        _depth(obj, limits.max_nesting)
    except ValueError as exc:
        raise ParseError(f"{path}: TOML {exc}") from None
    return obj


def _expanded_size(root: Any, limits: Limits) -> int:
    """Node count of a YAML object graph with aliases expanded, computed without expanding them.

    Aliases become shared Python objects, so the size is computed with a memo keyed by object id; a
    cycle (a recursive alias) is rejected outright.
    """
    memo: dict[int, int] = {}
    in_progress: set[int] = set()
    cap = limits.max_yaml_nodes

    def size(node: Any, depth: int) -> int:
        if not isinstance(node, dict | list):
            return 1
        key = id(node)
        if key in memo:
            return memo[key]
        if key in in_progress:
            raise ValueError("recursive alias")
        if depth > limits.max_nesting:
            raise ValueError(f"nesting deeper than {limits.max_nesting} levels")
        in_progress.add(key)
        total = 1
        children = node.values() if isinstance(node, dict) else node
        for child in children:
            total += size(child, depth + 1)
            if total > cap:
                raise ValueError(f"more than {cap} nodes once aliases are expanded (alias bomb?)")
        in_progress.discard(key)
        memo[key] = total
        return total

    return size(root, 1)


def load_yaml_all(data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    """All documents of a YAML stream, safely loaded (no Python tags), bounded in size and expansion."""
    return list(iter_yaml(data, path, limits))


def iter_yaml(data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS) -> Iterator[Any]:
    _check_size(data, path, limits)
    try:
        for doc in yaml.load_all(data, Loader=_YamlLoader):
            _expanded_size(doc, limits)
            yield doc
    except ValueError as exc:
        raise ParseError(f"{path}: YAML {exc}") from None
    except RecursionError:
        raise ParseError(f"{path}: YAML nests too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ParseError(f"{path}{where}: invalid YAML: {problem}") from None


def load_yaml(data: bytes | str, path: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """A single-document YAML file (the first document when there are several)."""
    for doc in iter_yaml(data, path, limits):
        return doc
    return None


def parse_xml(data: bytes, path: str, limits: Limits = DEFAULT_LIMITS) -> Element:
    """XML without DTDs, entity expansion or external references (defusedxml)."""
    _check_size(data, path, limits)
    try:
        root: Element = DefusedET.fromstring(
            data, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise ParseError(f"{path}: refused XML: {exc}") from None
    except DefusedET.ParseError as exc:
        raise ParseError(f"{path}: invalid XML: {exc}") from None
    # depth check, iteratively
    stack = [(root, 1)]
    while stack:
        el, depth = stack.pop()
        if depth > limits.max_nesting:
            raise ParseError(f"{path}: XML nests deeper than {limits.max_nesting} levels")
        stack.extend((child, depth + 1) for child in el)
    return root
