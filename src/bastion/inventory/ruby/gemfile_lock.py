"""Gemfile.lock (Bundler 1 and 2): every locked gem, with dependency edges.

* Gems come from the ``specs:`` of each ``GEM``, ``GIT`` and ``PATH`` section. A platform suffix
  (``nokogiri (1.13.10-x86_64-linux)``) is split off into ``metadata["platform"]``; the version is
  the gem version alone, as RubyGems advisories name it.
* ``GIT`` gems keep ``metadata["source"]`` (``git:<remote>@<revision>``) and ``PATH`` gems
  ``path:<remote>``: advisories for the published gem may not apply to them.
* Names under ``DEPENDENCIES`` (with or without ``!``) are ``direct=True``, the rest ``direct=False``.
  Gemfile groups (development, test) are not recorded in the lock file, so ``dev`` stays None.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

_SPEC = re.compile(r"^    (\S+) \(([^)]+)\)$")
_DEP = re.compile(r"^      (\S+)(?: \(.*\))?$")
_DIRECT = re.compile(r"^  (\S+?)!?(?: \(.*\))?$")
_SECTIONS = ("GEM", "GIT", "PATH", "PLUGIN SOURCE")


def split_platform(version: str) -> tuple[str, str]:
    """``1.13.10-x86_64-linux`` → (``1.13.10``, ``x86_64-linux``); gem versions never contain ``-``."""
    ver, _, platform = version.partition("-")
    return ver, platform


class GemfileLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("ruby/gemfile-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.RUBYGEMS
    file_names: ClassVar[frozenset[str]] = frozenset({"Gemfile.lock", "gems.locked"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name in self.file_names

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = stream.read(ctx.limits.max_parse_bytes + 1)
        if len(data) > ctx.limits.max_parse_bytes:
            raise ExtractError(f"{entry.path}: over the {ctx.limits.max_parse_bytes}-byte parse limit")
        section = ""
        attrs: dict[str, str] = {}
        specs: list[tuple[str, str, str, str, list[str]]] = []  # name, version, platform, source, deps
        direct: set[str] = set()
        saw_section = False
        for lineno, raw in enumerate(decode_text(data, entry.path).splitlines(), 1):
            line = raw.rstrip()
            if not line:
                continue
            if not line.startswith(" "):
                section = line.strip()
                attrs = {}
                saw_section = saw_section or section in (
                    *_SECTIONS,
                    "DEPENDENCIES",
                    "PLATFORMS",
                    "BUNDLED WITH",
                )
                continue
            if section in _SECTIONS:
                if line.startswith("    ") and not line.startswith("      "):
                    m = _SPEC.match(line)
                    if m is None:
                        raise ExtractError(
                            f"{entry.path}:{lineno}: expected '    NAME (VERSION)' in {section} specs"
                        )
                    version, platform = split_platform(m.group(2))
                    source = ""
                    if section == "GIT":
                        source = f"git:{attrs.get('remote', '')}@{attrs.get('revision', '')}"
                    elif section == "PATH":
                        source = f"path:{attrs.get('remote', '')}"
                    specs.append((m.group(1), version, platform, source, []))
                elif line.startswith("      "):
                    m = _DEP.match(line)
                    if m is None or not specs:
                        raise ExtractError(f"{entry.path}:{lineno}: dependency line outside a spec")
                    specs[-1][4].append(m.group(1))
                else:
                    key, _, value = line.strip().partition(": ")
                    attrs[key] = value
            elif section == "DEPENDENCIES":
                m = _DIRECT.match(line)
                if m is not None:
                    direct.add(m.group(1))
        if not saw_section:
            raise ExtractError(f"{entry.path}: no GEM, GIT, PATH or DEPENDENCIES section; not a Gemfile.lock")
        out: list[Package] = []
        for name, version, platform, source, deps in specs:
            meta: dict[str, str] = {}
            if platform:
                meta["platform"] = platform
            if source:
                meta["source"] = source
            out.append(
                make_package(
                    Ecosystem.RUBYGEMS,
                    name,
                    version,
                    entry,
                    self.plugin,
                    purl=make_purl(
                        "gem", name, version, qualifiers={"platform": platform} if platform else None
                    ),
                    direct=name in direct,
                    dependencies=tuple(deps),
                    metadata=meta,
                )
            )
        return out


__all__ = ["GemfileLockExtractor", "split_platform"]
