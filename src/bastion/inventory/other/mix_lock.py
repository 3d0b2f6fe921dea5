"""Elixir ``mix.lock`` (an Elixir map literal, read with patterns, never evaluated).

``"app": {:hex, :package, "version", "hash", [managers], [deps], "repo", "hash"}`` gives the Hex
package (named by its Hex name, which may differ from the app name) and edges from the ``deps``
list. ``:git`` and ``:path`` entries have no Hex version: they are reported with ``version == ""``
and the repository and revision in metadata. mix.lock does not say which dependencies are direct.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext, make_package
from bastion.model import Ecosystem, FileRef, Package, PluginId

MAX_BYTES = 16 * 1024 * 1024
_HEX = re.compile(
    r'^\s*"([^"]+)":\s*\{:hex,\s*:"?([\w.-]+)"?,\s*"([^"]+)",\s*"[^"]*",\s*\[[^\]]*\],\s*\[(.*)\],\s*"([^"]+)"'
)
_GIT = re.compile(r'^\s*"([^"]+)":\s*\{:git,\s*"([^"]+)",\s*"([^"]+)"')
_DEP = re.compile(r"\{:([\w]+),")


class MixLockExtractor:
    plugin: ClassVar[PluginId] = PluginId("hex/mix-lock", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.HEX
    file_names: ClassVar[frozenset[str]] = frozenset({"mix.lock"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "mix.lock"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ExtractError(f"{entry.path}: over {MAX_BYTES} bytes; not a plausible mix.lock")
        text = decode_text(data, entry.path)
        if text.strip() and not text.lstrip().startswith("%{"):
            raise ExtractError(f"{entry.path}: expected an Elixir map ('%{{ … }}')")
        out: list[Package] = []
        for lineno, line in enumerate(text.splitlines(), 1):
            stripped = line.strip()
            if not stripped or stripped in ("%{", "}"):
                continue
            m = _HEX.match(line)
            if m is not None:
                app, name, version, deps, repo = m.groups()
                meta = {"app": app} if app != name else {}
                if repo != "hexpm":
                    meta["repo"] = repo
                out.append(
                    make_package(
                        Ecosystem.HEX,
                        name,
                        version,
                        entry,
                        self.plugin,
                        dependencies=tuple(_DEP.findall(deps)),
                        metadata=meta,
                    )
                )
                continue
            g = _GIT.match(line)
            if g is not None:
                app, url, rev = g.groups()
                out.append(
                    make_package(
                        Ecosystem.HEX, app, "", entry, self.plugin, metadata={"git": url, "revision": rev}
                    )
                )
                continue
            if re.match(r'^\s*"[^"]+":\s*\{:path,', line):
                continue  # a local path dependency: part of the project
            raise ExtractError(f"{entry.path}:{lineno}: unrecognised mix.lock entry")
        return out


__all__ = ["MixLockExtractor"]
