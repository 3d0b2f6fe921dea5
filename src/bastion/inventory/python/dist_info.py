"""Installed Python distributions: ``*.dist-info/METADATA``, ``*.egg-info/PKG-INFO``, ``*.egg-info``
files and ``EGG-INFO/PKG-INFO`` inside ``.egg`` directories, wherever they are (site-packages,
dist-packages, virtual environments, ``/usr/lib/python3/dist-packages``).

Only the header block of the core-metadata file is read (it ends at the first blank line); the
description body, which can be large, is never parsed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO, ClassVar

from bastion.errors import ExtractError
from bastion.fs.parsing import decode_text
from bastion.inventory.base import ExtractContext
from bastion.inventory.python._common import canon, pypi_package, requirement_is_extra_only, requirement_name
from bastion.model import Ecosystem, FileRef, Package, PluginId

#: Longest header line accepted; real ones are well under 1 KiB (long License texts aside).
MAX_LINE = 256 * 1024
#: Most header bytes read before giving up on a file that never ends its headers.
MAX_HEADER_BYTES = 8 * 1024 * 1024
_WANTED = frozenset(
    {"name", "version", "license", "license-expression", "classifier", "requires-dist", "license-file"}
)


def parse_headers(stream: BinaryIO, path: str) -> dict[str, list[str]]:
    """RFC 822-style headers of a core-metadata file, lower-cased keys, values in order.

    Continuation lines (starting with whitespace) extend the previous value. Only the keys bastion
    uses are kept. Raises ExtractError for a line or header block over the limits.
    """
    headers: dict[str, list[str]] = {}
    last: str | None = None
    total = 0
    lineno = 0
    while True:
        raw = stream.readline(MAX_LINE + 1)
        if not raw:
            break
        lineno += 1
        total += len(raw)
        if len(raw) > MAX_LINE:
            raise ExtractError(
                f"{path}: line {lineno} is longer than {MAX_LINE} bytes; expected core-metadata headers"
            )
        if total > MAX_HEADER_BYTES:
            raise ExtractError(f"{path}: headers exceed {MAX_HEADER_BYTES} bytes without a blank line")
        line = decode_text(raw, path).rstrip("\r\n")
        if not line.strip():
            break  # end of headers; the body (description) follows
        if line[0] in " \t":
            if last is not None and last in headers:
                headers[last][-1] += "\n" + line.strip()
            continue
        key, sep, value = line.partition(":")
        if not sep:
            if lineno == 1:
                raise ExtractError(f"{path}: line 1 is not a 'Key: value' header; expected core metadata")
            last = None
            continue
        last = key.strip().lower()
        if last in _WANTED:
            headers.setdefault(last, []).append(value.strip())
        else:
            last = None
    return headers


def licenses_of(headers: dict[str, list[str]]) -> tuple[str, ...]:
    """PEP 639 ``License-Expression``; else ``License ::`` classifiers; else a short ``License`` field."""
    expr = [v for v in headers.get("license-expression", ()) if v]
    if expr:
        return (expr[0],)
    from_classifiers = []
    for classifier in headers.get("classifier", ()):
        parts = [p.strip() for p in classifier.split("::")]
        if len(parts) >= 2 and parts[0] == "License" and parts[-1] not in ("OSI Approved", "License"):
            from_classifiers.append(parts[-1])
    if from_classifiers:
        return tuple(dict.fromkeys(from_classifiers))
    for value in headers.get("license", ()):
        # Some projects paste the whole licence text here; keep only a one-line name.
        if value and value.upper() not in ("UNKNOWN", "NONE") and "\n" not in value and len(value) <= 200:
            return (value,)
    return ()


class DistInfoExtractor:
    plugin: ClassVar[PluginId] = PluginId("python/dist-info", 1)
    ecosystem: ClassVar[Ecosystem | None] = Ecosystem.PYPI
    file_names: ClassVar[frozenset[str]] = frozenset({"METADATA", "PKG-INFO"})
    file_suffixes: ClassVar[tuple[str, ...]] = (".egg-info",)

    def dependency_scope(self, path: str) -> tuple[str, tuple[str, ...]]:
        """Requires-Dist names resolve among the distributions of the same site directory."""
        parts = path.split("/")
        for i in range(len(parts) - 1, -1, -1):
            if parts[i].endswith((".dist-info", ".egg-info", ".egg")) or parts[i] == "EGG-INFO":
                home = "/".join(parts[:i])
                if parts[i] == "EGG-INFO" and i > 0:
                    home = "/".join(parts[: i - 1])
                return home, (home,)
        home = path.rpartition("/")[0]
        return home, (home,)

    def wants(self, entry: FileRef) -> bool:
        path = entry.path
        if path.endswith(".egg-info"):  # a single-file egg-info (distutils installs)
            return True
        parent = path.rpartition("/")[0]
        if path.endswith("/METADATA"):
            return parent.endswith(".dist-info")
        if path.endswith("/PKG-INFO"):
            return parent.endswith(".egg-info") or parent.endswith("/EGG-INFO") or parent == "EGG-INFO"
        return False

    def extract(self, entry: FileRef, stream: BinaryIO, ctx: ExtractContext) -> Iterable[Package]:
        headers = parse_headers(stream, entry.path)
        name = (headers.get("name") or [""])[0].strip()
        version = (headers.get("version") or [""])[0].strip()
        if not name or not version:
            missing = "Name" if not name else "Version"
            raise ExtractError(f"{entry.path}: no {missing} header; expected Python core metadata")
        deps = []
        for req in headers.get("requires-dist", ()):
            if requirement_is_extra_only(req):
                continue  # only installed with an extra; not an edge of a plain install
            dep = requirement_name(req)
            if dep:
                deps.append(canon(dep))
        metadata = {}
        if headers.get("license-file"):
            metadata["license_files"] = ",".join(headers["license-file"])
        return [
            pypi_package(
                entry,
                self.plugin,
                name,
                version,
                licenses=licenses_of(headers),
                dependencies=tuple(dict.fromkeys(deps)),
                metadata=metadata,
            )
        ]
