"""CloudFormation templates (YAML with intrinsic short forms, or JSON).

One :class:`Resource` per entry of ``Resources`` (``AWS::S3::Bucket/LogicalId``), whose body is the
resource's ``Properties``. ``{"Ref": Parameter}`` is replaced by the parameter's ``Default`` when it has
one, so checks see the value a default deployment gets.
"""

from __future__ import annotations

from typing import Any

from bastion.detectors.misconfig._yaml import YamlDoc
from bastion.detectors.misconfig.base import Resource


def looks_like_cloudformation(doc: Any) -> bool:
    if not isinstance(doc, dict):
        return False
    if "AWSTemplateFormatVersion" in doc:
        return True
    res = doc.get("Resources")
    return isinstance(res, dict) and any(
        isinstance(r, dict) and isinstance(r.get("Type"), str) and "::" in r["Type"] for r in res.values()
    )


def _resolve(value: Any, params: dict[str, Any], depth: int = 0) -> Any:
    if depth > 100:
        return value
    if isinstance(value, dict):
        if len(value) == 1 and "Ref" in value and isinstance(value["Ref"], str) and value["Ref"] in params:
            return params[value["Ref"]]
        return {k: _resolve(v, params, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, params, depth + 1) for v in value]
    return value


def resources_from_doc(doc: YamlDoc, path: str) -> list[Resource]:
    tpl = doc.value
    params: dict[str, Any] = {}
    if isinstance(tpl.get("Parameters"), dict):
        for name, p in tpl["Parameters"].items():
            if isinstance(p, dict) and "Default" in p:
                params[name] = p["Default"]
    out: list[Resource] = []
    resources = tpl.get("Resources")
    if not isinstance(resources, dict):
        return out
    for logical_id, r in resources.items():
        if not isinstance(r, dict) or not isinstance(r.get("Type"), str):
            continue
        rtype = r["Type"]
        props = r.get("Properties")
        body = _resolve(props, params) if isinstance(props, dict) else {}
        prefix = ("Resources", logical_id, "Properties")
        lines = {p[3:]: v for p, v in doc.lines.items() if p[:3] == prefix}
        start, end = doc.lines.get(("Resources", logical_id), (None, None))
        ignores: dict[str, str] = {}
        meta = r.get("Metadata")
        if isinstance(meta, dict):
            skips = meta.get("bastion", {}).get("ignore") if isinstance(meta.get("bastion"), dict) else None
            for rule in skips if isinstance(skips, list) else ():
                if isinstance(rule, str):
                    ignores[rule.upper()] = "Metadata.bastion.ignore"
        out.append(
            Resource(
                file_type="cloudformation",
                type=rtype,
                name=str(logical_id),
                address=f"{rtype}/{logical_id}",
                body=body,
                path=path,
                line=start,
                end_line=end,
                provider="aws",
                lines=lines,
                ignores=ignores,
                meta={"scope": path, "logical_id": logical_id, "template": tpl},
            )
        )
    return out
