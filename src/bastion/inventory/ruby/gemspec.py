"""Installed gems: ``specifications/*.gemspec`` files, read statically (never evaluated).

RubyGems writes these stubs with one attribute per line (``s.name = "rake".freeze``). The block
variable is taken from ``Gem::Specification.new do |s|``, and only ``<var>.name``, ``<var>.version``,
``<var>.license`` and ``<var>.licenses`` assignments of string literals are read. A file without a
name and a version for that variable is an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext, make_package
from bastion.model import Ecosystem, FileRef, Package, PluginId

MAX_BYTES = 4 * 1024 * 1024
_NEW = re.compile(r"Gem::Specification\.new\s+do\s*\|\s*(\w+)\s*\|")
_STRING = re.compile(r"""["']([^"']*)["']""")


class GemspecExtractor:
    plugin: ClassVar[PluginId] = PluginId("ruby/gemspec", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.RUBYGEMS
    file_names: ClassVar[frozenset[str]] = frozenset()
    file_suffixes: ClassVar[tuple[str, ...]] = (".gemspec",)

    def wants(self, entry: FileRef) -> bool:
        return entry.name.endswith(".gemspec") and "/specifications/" in f"/{entry.path}"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ExtractError(f"{entry.path}: over {MAX_BYTES} bytes; not a plausible gemspec")
        text = decode_text(data, entry.path)
        m = _NEW.search(text)
        if m is None:
            raise ExtractError(f"{entry.path}: no 'Gem::Specification.new do |var|' block")
        var = re.escape(m.group(1))
        attrs: dict[str, str] = {}
        licenses: list[str] = []
        assign = re.compile(rf"^\s*{var}\.(name|version|licenses|license)\s*=\s*(.+)$")
        for line in text[m.end() :].splitlines():
            a = assign.match(line)
            if a is None:
                continue
            key, value = a.group(1), a.group(2)
            if key in ("name", "version") and key not in attrs:
                s = _STRING.match(value.strip()) or re.match(
                    r"Gem::Version\.new\(\s*[\"']([^\"']+)", value.strip()
                )
                if s is not None:
                    attrs[key] = s.group(1)
            elif key == "license" and not licenses:
                s = _STRING.match(value.strip())
                if s is not None:
                    licenses.append(s.group(1))
            elif key == "licenses" and value.strip().startswith("[") and not licenses:
                licenses.extend(x for x in _STRING.findall(value.split("]", 1)[0]) if x)
        if not attrs.get("name") or not attrs.get("version"):
            missing = " and ".join(k for k in ("name", "version") if not attrs.get(k))
            raise ExtractError(f"{entry.path}: no {missing} assigned to '{m.group(1)}'")
        return [
            make_package(
                Ecosystem.RUBYGEMS,
                attrs["name"],
                attrs["version"],
                entry,
                self.plugin,
                licenses=tuple(licenses),
            )
        ]


__all__ = ["GemspecExtractor"]
