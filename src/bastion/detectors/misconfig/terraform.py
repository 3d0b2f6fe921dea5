"""Terraform: HCL modules (``.tf``, ``.tfvars``) and plan JSON (``terraform show -json``).

Files are parsed as they are read; resources are built per module directory once every file is in
(:func:`build_modules`), so variables, locals and ``terraform.tfvars`` from sibling files resolve:

- ``var.x`` takes the ``.tfvars`` value, else the variable's ``default``;
- for a local module called from one place, ``var.x`` takes the caller's literal argument;
- ``local.x`` resolves when the local is a literal (or resolves to one);
- ``module`` blocks become resources of type ``module`` (the call is noted; local sources are scanned
  as their own directory and their resources addressed ``module.<name>.<type>.<name>``).
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from typing import Any

from bastion.detectors.misconfig._hcl import HclBlock, parse_hcl
from bastion.detectors.misconfig.base import MisconfigError, Resource

_REF = re.compile(r"\$\{(var|local)\.([A-Za-z_][A-Za-z0-9_\-]*)\}")
_EXACT = re.compile(r"^\$\{(var|local)\.([A-Za-z_][A-Za-z0-9_\-]*)\}$")


@dataclass
class TfFile:
    path: str
    blocks: list[HclBlock]
    tfvars: bool = False


@dataclass
class TfModule:
    dir: str
    files: list[TfFile] = field(default_factory=list)


def parse_tf(text: str, path: str) -> TfFile:
    """bastion's HCL reader; if it rejects a file, python-hcl2 gets a second opinion (values kept,
    block lines found by searching for the headers) before the error is reported."""
    try:
        blocks = parse_hcl(text, path)
    except MisconfigError as exc:
        fallback = _hcl2_fallback(text)
        if fallback is None:
            raise exc from None
        blocks = fallback
    return TfFile(path, blocks, tfvars=path.endswith(".tfvars"))


def _unquote(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        return value
    if isinstance(value, list):
        return [_unquote(v) for v in value]
    if isinstance(value, dict):
        return {
            _unquote(k): _unquote(v)
            for k, v in value.items()
            if k
            not in ("__is_block__", "__comments__", "__inline_comments__", "__start_line__", "__end_line__")
        }
    return value


def _hcl2_fallback(text: str) -> list[HclBlock] | None:
    try:
        import hcl2
        from hcl2.utils import SerializationOptions

        raw = hcl2.loads(
            text, serialization_options=SerializationOptions(preserve_heredocs=False, with_comments=False)
        )
    except Exception:
        return None
    rows = text.splitlines()

    def header_line(kind: str, labels: list[str]) -> int:
        pattern = re.compile(
            r"^\s*" + re.escape(kind) + "".join(r'\s+"?' + re.escape(lb) + '"?' for lb in labels) + r"\s*\{"
        )
        for number, row in enumerate(rows, 1):
            if pattern.match(row):
                return number
        return 1

    out: list[HclBlock] = []
    for kind, items in raw.items():
        for item in items if isinstance(items, list) else [items]:
            if not isinstance(item, dict):
                continue
            depth = {"resource": 2, "data": 2, "module": 1, "variable": 1, "provider": 1, "output": 1}.get(
                kind, 0
            )
            if depth == 0:
                body = _unquote(item)
                if kind == "locals" or not item.get("__is_block__", True):
                    out.append(HclBlock(kind, [], body, header_line(kind, []), header_line(kind, [])))
                continue
            stack: list[tuple[list[str], Any]] = [([], item)]
            while stack:
                labels, node = stack.pop()
                if len(labels) == depth:
                    line = header_line(kind, labels)
                    out.append(HclBlock(kind, labels, _unquote(node), line, line))
                elif isinstance(node, dict):
                    stack.extend(
                        ([*labels, str(_unquote(k))], v)
                        for k, v in node.items()
                        if not str(k).startswith("__")
                    )
    return out


def provider_of(rtype: str) -> str:
    prefix = rtype.split("_", 1)[0]
    return {"azurerm": "azure", "azuread": "azure", "google": "gcp"}.get(prefix, prefix)


def _substitute(value: Any, scope: dict[str, dict[str, Any]], depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, str):
        if "${" not in value:
            return value
        m = _EXACT.match(value)
        if m:
            got = scope[m.group(1)].get(m.group(2), _MISSING)
            return value if got is _MISSING else got

        def repl(m: re.Match[str]) -> str:
            got = scope[m.group(1)].get(m.group(2), _MISSING)
            if got is _MISSING or isinstance(got, dict | list) or got is None:
                return m.group(0)
            return str(got).lower() if isinstance(got, bool) else str(got)

        return _REF.sub(repl, value)
    if isinstance(value, dict):
        return {k: _substitute(v, scope, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, scope, depth + 1) for v in value]
    return value


_MISSING = object()


def _unresolved(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    if isinstance(value, dict):
        return any(_unresolved(v) for v in value.values())
    if isinstance(value, list):
        return any(_unresolved(v) for v in value)
    return False


def build_modules(modules: dict[str, TfModule]) -> list[Resource]:
    # module calls first: local sources get the caller's literal arguments as variable values
    calls: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for mod in modules.values():
        for f in mod.files:
            for b in f.blocks:
                if b.type == "module" and b.labels:
                    src = b.body.get("source")
                    if isinstance(src, str) and src.startswith(("./", "../")):
                        target = (
                            posixpath.normpath(posixpath.join(mod.dir, src))
                            if mod.dir
                            else posixpath.normpath(src)
                        )
                        calls.setdefault(target, []).append((mod.dir, b.labels[0], b.body))
    out: list[Resource] = []
    order = sorted(modules)
    for d in order:
        mod = modules[d]
        variables: dict[str, Any] = {}
        for f in mod.files:
            for b in f.blocks:
                if b.type == "variable" and b.labels and "default" in b.body:
                    variables[b.labels[0]] = b.body["default"]
        callers = calls.get(d, [])
        prefix = ""
        if len(callers) == 1:
            _, call_name, args = callers[0]
            prefix = f"module.{call_name}."
            for k, v in args.items():
                if not _unresolved(v):
                    variables[k] = v
        for f in mod.files:
            if f.tfvars:
                for b in f.blocks:
                    if b.type == "__attr__":
                        variables.update(b.body)
        scope: dict[str, dict[str, Any]] = {"var": variables, "local": {}}
        local_defs: dict[str, Any] = {}
        for f in mod.files:
            for b in f.blocks:
                if b.type == "locals":
                    local_defs.update(b.body)
        for _ in range(4):  # locals may refer to locals
            for k, v in local_defs.items():
                resolved = _substitute(v, scope)
                if not _unresolved(resolved):
                    scope["local"][k] = resolved
        for f in mod.files:
            if f.tfvars:
                continue
            for b in f.blocks:
                res = _resource(b, f.path, scope, prefix, d)
                if res is not None:
                    out.append(res)
    return out


def _resource(
    b: HclBlock, path: str, scope: dict[str, dict[str, Any]], prefix: str, d: str
) -> Resource | None:
    body = _substitute(b.body, scope)
    if b.type == "resource" and len(b.labels) >= 2:
        rtype, name = b.labels[0], b.labels[1]
        address = f"{prefix}{rtype}.{name}"
    elif b.type == "data" and len(b.labels) >= 2:
        rtype, name = f"data.{b.labels[0]}", b.labels[1]
        address = f"{prefix}data.{b.labels[0]}.{name}"
    elif b.type == "module" and b.labels:
        rtype, name = "module", b.labels[0]
        address = f"{prefix}module.{name}"
    elif b.type == "provider" and b.labels:
        rtype, name = "provider", b.labels[0]
        address = f"{prefix}provider.{name}"
    else:
        return None
    return Resource(
        file_type="terraform",
        type=rtype,
        name=name,
        address=address,
        body=body,
        path=path,
        line=b.line,
        end_line=b.end_line,
        provider=provider_of(rtype.removeprefix("data."))
        if rtype not in ("module", "provider")
        else name
        if rtype == "provider"
        else "",
        lines=b.lines,
        meta={"scope": d, "module_prefix": prefix},
    )


# -- plan JSON ----------------------------------------------------------------------------------------


def looks_like_plan(doc: Any) -> bool:
    return (
        isinstance(doc, dict)
        and "format_version" in doc
        and ("planned_values" in doc or "resource_changes" in doc)
    )


def resources_from_plan(doc: dict[str, Any], path: str) -> list[Resource]:
    out: list[Resource] = []
    seen: set[str] = set()

    def walk(module: Any) -> None:
        if not isinstance(module, dict):
            return
        for r in module.get("resources") or ():
            if not isinstance(r, dict) or r.get("mode", "managed") != "managed":
                continue
            address = str(r.get("address", ""))
            if address in seen:
                continue
            seen.add(address)
            rtype = str(r.get("type", ""))
            out.append(
                Resource(
                    file_type="terraform",
                    type=rtype,
                    name=str(r.get("name", "")),
                    address=address,
                    body=_blocks_as_lists(r.get("values") or {}),
                    path=path,
                    provider=provider_of(rtype),
                    meta={"scope": path, "plan": True},
                )
            )
        for child in module.get("child_modules") or ():
            walk(child)

    walk((doc.get("planned_values") or {}).get("root_module"))
    for rc in doc.get("resource_changes") or ():
        if not isinstance(rc, dict) or rc.get("mode", "managed") != "managed":
            continue
        address = str(rc.get("address", ""))
        after = (rc.get("change") or {}).get("after")
        if address in seen or not isinstance(after, dict):
            continue
        seen.add(address)
        rtype = str(rc.get("type", ""))
        out.append(
            Resource(
                file_type="terraform",
                type=rtype,
                name=str(rc.get("name", "")),
                address=address,
                body=_blocks_as_lists(after),
                path=path,
                provider=provider_of(rtype),
                meta={"scope": path},
            )
        )
    return out


def _blocks_as_lists(values: dict[str, Any]) -> dict[str, Any]:
    """Plan values already hold nested blocks as lists of objects, like the HCL reader does."""
    return values
