"""go.mod: the module's requirements, with replacements and exclusions applied.

* ``require`` lines become packages; ``// indirect`` ones have ``direct=False``.
* ``replace old [v] => new v`` reports the replacement module (``metadata["replaces"]`` keeps the
  original); ``replace old => ../dir`` (a local directory) keeps the original path with an empty
  version and ``metadata["replace"]`` (the code comes from the tree, not from a published version). A
  replacement whose left side names a version applies only to that version.
* ``exclude`` lines are recorded on the main module (``metadata["exclude"]``) and an excluded exact
  requirement is dropped (the go command would never select it).
* The ``toolchain`` line (else a ``go`` line of 1.21 or later, which since 1.21 names the minimum
  toolchain) gives the ``stdlib`` package, ``metadata["minimum"] == "true"``: the real toolchain may be
  newer. ``go`` lines before 1.21 only set the language version and give no ``stdlib``.
* The main module itself is reported with an empty version and ``metadata["role"] == "main"``; its
  dependencies are the direct requirements and ``stdlib``.

go.sum is not read: since Go 1.17, go.mod lists every module in the build list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext, make_package, make_purl
from bastion.model import Ecosystem, FileRef, Package, PluginId

_MAX_BYTES = 16 * 1024 * 1024
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|=>|[^\s"`]+')
_VERBS = frozenset(
    {"module", "go", "toolchain", "godebug", "require", "replace", "exclude", "retract", "tool", "ignore"}
)


def go_purl(path: str, version: str) -> str:
    namespace, _, name = path.rpartition("/")
    return make_purl("golang", name, version or None, namespace=namespace or None)


@dataclass(frozen=True, slots=True)
class _Line:
    verb: str
    args: list[str]
    comment: str
    lineno: int


def _unquote(tok: str) -> str:
    if len(tok) >= 2 and tok[0] == tok[-1] and tok[0] in '"`':
        return tok[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return tok


def _lines(text: str, path: str) -> Iterator[_Line]:
    block: str | None = None
    for lineno, raw in enumerate(text.splitlines(), 1):
        code, _, comment = raw.partition("//")
        tokens = [_unquote(t) if t != "=>" else t for t in _TOKEN.findall(code)]
        comment = comment.strip()
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
                continue
            yield _Line(block, tokens, comment, lineno)
            continue
        verb = tokens[0]
        if verb not in _VERBS:
            raise ExtractError(f"{path}:{lineno}: unknown directive {verb!r}; is this a go.mod file?")
        if tokens[1:] == ["("]:
            block = verb
            continue
        yield _Line(verb, tokens[1:], comment, lineno)
    if block is not None:
        raise ExtractError(f"{path}: unterminated {block} ( … ) block")


def _minor_at_least(version: str, minor: int) -> bool:
    m = re.match(r"1\.(\d+)", version)
    return m is not None and int(m.group(1)) >= minor


def toolchain_stdlib(toolchain: str | None, go: str | None) -> str:
    """The minimum stdlib version a go.mod implies (Trivy's ``toolchainVersion``), or ""."""
    if toolchain:
        return toolchain.removeprefix("go").split("-", 1)[0]
    if go and _minor_at_least(go, 21):
        return go + ".0" if re.fullmatch(r"1\.\d+", go) else go
    return ""


class GoModExtractor:
    plugin: ClassVar[PluginId] = PluginId("go/go-mod", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.GO
    file_names: ClassVar[frozenset[str]] = frozenset({"go.mod"})
    file_suffixes: ClassVar[tuple[str, ...]] = ()

    def wants(self, entry: FileRef) -> bool:
        return entry.name == "go.mod"

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        data = stream.read(_MAX_BYTES + 1)
        if len(data) > _MAX_BYTES:
            raise ExtractError(f"{entry.path}: over {_MAX_BYTES} bytes; not a plausible go.mod")
        text = decode_text(data, entry.path)
        module = ""
        go_version: str | None = None
        toolchain: str | None = None
        requires: dict[str, tuple[str, bool]] = {}
        replaces: list[tuple[str, str, str, str]] = []
        excludes: list[tuple[str, str]] = []
        for line in _lines(text, entry.path):
            args = line.args
            where = f"{entry.path}:{line.lineno}"
            if line.verb == "module":
                module = args[0] if args else ""
            elif line.verb == "go":
                go_version = args[0] if args else None
            elif line.verb == "toolchain":
                toolchain = args[0] if args else None
            elif line.verb == "require":
                if len(args) != 2:
                    raise ExtractError(f"{where}: expected 'require PATH VERSION'")
                indirect = line.comment == "indirect" or line.comment.startswith("indirect;")
                requires[args[0]] = (args[1], indirect)
            elif line.verb == "exclude":
                if len(args) != 2:
                    raise ExtractError(f"{where}: expected 'exclude PATH VERSION'")
                excludes.append((args[0], args[1]))
            elif line.verb == "replace":
                if "=>" not in args:
                    raise ExtractError(f"{where}: expected 'replace OLD [VERSION] => NEW [VERSION]'")
                i = args.index("=>")
                old, new = args[:i], args[i + 1 :]
                if len(old) not in (1, 2) or len(new) not in (1, 2):
                    raise ExtractError(f"{where}: expected 'replace OLD [VERSION] => NEW [VERSION]'")
                replaces.append(
                    (old[0], old[1] if len(old) == 2 else "", new[0], new[1] if len(new) == 2 else "")
                )
        if not module and not requires:
            raise ExtractError(f"{entry.path}: no module or require directive")

        excluded = set(excludes)
        out: list[Package] = []
        direct_refs: list[str] = []
        for path, (version, indirect) in requires.items():
            if (path, version) in excluded:
                ctx.warn(entry.path, f"require {path} {version} is also excluded; not reported")
                continue
            name, ver, meta = path, version, {}
            for r_old, r_old_v, r_new, r_new_v in replaces:
                if r_old != path or (r_old_v and r_old_v != version):
                    continue
                if r_new_v:
                    name, ver, meta = r_new, r_new_v, {"replaces": f"{path}@{version}"}
                else:
                    name, ver, meta = path, "", {"replace": r_new}
            out.append(
                make_package(
                    Ecosystem.GO,
                    name,
                    ver,
                    entry,
                    self.plugin,
                    purl=go_purl(name, ver),
                    direct=not indirect,
                    metadata=meta,
                )
            )
            if not indirect:
                direct_refs.append(f"{name}@{ver}")
        std = toolchain_stdlib(toolchain, go_version)
        if std:
            out.append(
                make_package(
                    Ecosystem.GO,
                    "stdlib",
                    std,
                    entry,
                    self.plugin,
                    purl=go_purl("stdlib", std),
                    direct=True,
                    metadata={"minimum": "true"},
                )
            )
            direct_refs.append(f"stdlib@{std}")
        if module:
            meta = {"role": "main"}
            if go_version:
                meta["go"] = go_version
            if toolchain:
                meta["toolchain"] = toolchain
            if excludes:
                meta["exclude"] = ", ".join(f"{p}@{v}" for p, v in excludes)
            out.append(
                make_package(
                    Ecosystem.GO,
                    module,
                    "",
                    entry,
                    self.plugin,
                    purl=go_purl(module, ""),
                    dependencies=tuple(direct_refs),
                    metadata=meta,
                )
            )
        return out


__all__ = ["GoModExtractor", "go_purl", "toolchain_stdlib"]
