"""The misconfiguration detector: parse IaC files during the shared walk, evaluate after it.

``scan_file`` parses each wanted file (errors become one ``errors`` entry with ``path:line`` and the
scan goes on); ``finish`` builds Terraform modules across files, adds the image configuration, loads
custom rules and plugins, and runs every check over every resource.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Iterable
from pathlib import Path as FsPath
from typing import Any, ClassVar

from bastion.detectors.base import Capability, DetectContext, FileContent
from bastion.detectors.misconfig import cloudformation, compose, kubernetes, terraform
from bastion.detectors.misconfig._yaml import YamlDoc, load_yaml_docs
from bastion.detectors.misconfig.base import Check, MisconfigError, Project, Resource, Violation
from bastion.detectors.misconfig.checks import builtin_checks
from bastion.detectors.misconfig.custom import load_rule_file, plugin_checks, rule_files
from bastion.detectors.misconfig.dockerfile import is_dockerfile, parse_dockerfile
from bastion.detectors.misconfig.settings import parse_settings
from bastion.detectors.misconfig.suppress import find_inline, ignore_comments
from bastion.errors import ConfigError
from bastion.fs.parsing import decode_text
from bastion.model import (
    FileRef,
    Finding,
    FindingKind,
    Location,
    MisconfigEvidence,
    PluginId,
    Suppression,
    fingerprint,
)

#: YAML/JSON bigger than this are not configuration (generated data, fixtures).
MAX_CONFIG_BYTES = 16 * 1024 * 1024
_JSON_SKIP = frozenset(
    {
        "package.json",
        "package-lock.json",
        "composer.json",
        "composer.lock",
        "tsconfig.json",
        "jsconfig.json",
        "bower.json",
        "lerna.json",
        "nx.json",
        "angular.json",
        ".eslintrc.json",
        "renovate.json",
        "pipfile.lock",
        "npm-shrinkwrap.json",
        "vercel.json",
        "project.json",
        "manifest.json",
        "launch.json",
        "settings.json",
    }
)


#: Downloaded modules and dependencies are not the project's configuration.
_VENDORED = ("/.terraform/", "/.terragrunt-cache/", "/node_modules/", "/vendor/bundle/")


#: Files whose presence in an image shows a package-manager cache was left behind (small ones only).
_CACHE_MARKERS = (("var/lib/apt/lists/", "_InRelease", "apt"), ("var/cache/apk/", ".tar.gz", "apk"))


def _cache_marker(path: str) -> str | None:
    for prefix, suffix, name in _CACHE_MARKERS:
        if path.startswith(prefix) and path.endswith(suffix):
            return name
    return None


def file_kind(path: str) -> str | None:
    """What a path may hold, by name alone: dockerfile, terraform, yaml, json (sniffed later)."""
    name = posixpath.basename(path)
    low = name.lower()
    if low.endswith((".tf", ".tfvars")):
        return "terraform"
    if low.endswith((".yaml", ".yml")):
        return "yaml"
    if low.endswith(".json"):
        return (
            None
            if low in _JSON_SKIP or low.endswith((".lock.json", ".min.json", ".tfstate.json"))
            else "json"
        )
    if low.endswith((".template", ".tpl.json")):
        return "json"
    if is_dockerfile(path):
        return "dockerfile"
    return None


def sniff(head: bytes) -> set[str]:
    """Cheap content hints before parsing YAML/JSON: which parsers could want this file."""
    out = set()
    if b"apiVersion" in head and b"kind" in head:
        out.add("kubernetes")
    if b"AWSTemplateFormatVersion" in head or (b"Resources" in head and b"Type" in head and b"::" in head):
        out.add("cloudformation")
    if b"services" in head:
        out.add("compose")
    if b"format_version" in head and (b"planned_values" in head or b"resource_changes" in head):
        out.add("plan")
    return out


class MisconfigDetector:
    plugin: ClassVar[PluginId] = PluginId(name="misconfig", version=1)
    kind: ClassVar[FindingKind] = FindingKind.MISCONFIG
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.FILES})
    hashes: ClassVar[frozenset[str]] = frozenset()
    scans_archives: ClassVar[bool] = False

    def __init__(self) -> None:
        self.resources: list[Resource] = []
        self.modules: dict[str, terraform.TfModule] = {}
        self.comments: dict[str, dict[int, list[tuple[str, str]]]] = {}
        self.layers: dict[str, str | None] = {}
        self.caches: dict[str, str] = {}  # package manager → a file showing its cache was left behind
        self._settings_checked = False

    # -- the walk -------------------------------------------------------------------------------------
    def wants(self, entry: FileRef) -> bool:
        if not entry.visible:
            return False
        rooted = "/" + entry.path
        if any(v in rooted for v in _VENDORED):
            return False
        kind = file_kind(entry.path)
        if kind is None:
            return _cache_marker(entry.path) is not None and entry.size <= 4 * 1024 * 1024
        return kind in ("dockerfile", "terraform") or entry.size <= MAX_CONFIG_BYTES

    def scan_file(self, file: FileContent, ctx: DetectContext) -> Iterable[Finding]:
        if not self._settings_checked:  # fail fast on a malformed misconfig: section, before the walk goes on
            parse_settings(ctx.settings.get("misconfig"))
            self._settings_checked = True
        if file.data is None:
            return ()
        marker = _cache_marker(file.path)
        if marker is not None and file_kind(file.path) is None:
            self.caches.setdefault(marker, file.path)
            return ()
        try:
            self.parse(file.path, file.data, ctx)
        except MisconfigError as exc:
            ctx.error(file.path, exc.message, plugin=self.plugin.name, layer=file.entry.layer_digest)
        else:
            self.layers[file.path] = file.entry.layer_digest
        return ()

    def parse(self, path: str, data: bytes, ctx: DetectContext | None = None) -> None:
        """Parse one file into resources (Terraform files wait for :meth:`finish`)."""
        kind = file_kind(path) or "yaml"
        if kind == "dockerfile":
            text = decode_text(data, path)
            self._remember(path, text)
            self.resources.extend(parse_dockerfile(text, path))
            return
        if kind == "terraform":
            text = decode_text(data, path)
            self._remember(path, text)
            tf = terraform.parse_tf(text, path)
            d = posixpath.dirname(path)
            self.modules.setdefault(d, terraform.TfModule(d)).files.append(tf)
            return
        hints = sniff(data[:65536] if kind == "json" else data)
        if not hints:
            return
        text = decode_text(data, path)
        if kind == "json":
            self._parse_json(path, text, hints)
            return
        try:
            docs = load_yaml_docs(
                text, path, ctx.limits if ctx else _default_limits(), cfn="cloudformation" in hints
            )
        except MisconfigError:
            if "{{" in text:  # a Helm/Jinja template, not YAML yet: scan the rendered output instead
                return
            raise
        self._remember(path, text)
        self._from_docs(path, text, docs)

    def _parse_json(self, path: str, text: str, hints: set[str]) -> None:
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise MisconfigError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from None
        except RecursionError:
            raise MisconfigError(f"{path}: JSON nests too deeply") from None
        if "plan" in hints and terraform.looks_like_plan(value):
            self.resources.extend(terraform.resources_from_plan(value, path))
            return
        if not (cloudformation.looks_like_cloudformation(value) or kubernetes.looks_like_kubernetes(value)):
            return
        try:  # JSON is YAML: compose it again for line numbers
            docs = load_yaml_docs(text, path, _default_limits())
        except MisconfigError:
            docs = [YamlDoc(value, 1, text.count("\n") + 1)]
        self._from_docs(path, text, docs)

    def _from_docs(self, path: str, text: str, docs: list[YamlDoc]) -> None:
        k8s_docs = []
        for doc in docs:
            value = doc.value
            if cloudformation.looks_like_cloudformation(value):
                self.resources.extend(cloudformation.resources_from_doc(doc, path))
            elif kubernetes.looks_like_kubernetes(value):
                k8s_docs.append(doc)
            elif compose.looks_like_compose(value):
                self.resources.extend(compose.resources_from_doc(doc, path))
        if k8s_docs:
            self.resources.extend(kubernetes.resources_from_docs(k8s_docs, path, text))

    def _remember(self, path: str, text: str) -> None:
        comments = ignore_comments(text)
        if comments:
            self.comments[path] = comments

    # -- after the walk -----------------------------------------------------------------------------------
    def finish(self, ctx: DetectContext) -> Iterable[Finding]:
        resources = list(self.resources)
        resources.extend(terraform.build_modules(self.modules))
        image = getattr(ctx.target, "image", None)
        if image is not None:
            resources.append(image_resource(image, self.caches))
        settings = parse_settings(ctx.settings.get("misconfig")).model_dump()
        checks = list(builtin_checks())
        checks.extend(self._custom_checks(settings, ctx))
        return evaluate(resources, checks, settings, self.comments, self.layers)

    def _custom_checks(self, settings: dict[str, Any], ctx: DetectContext) -> list[Check]:
        out: list[Check] = []
        roots = [FsPath.cwd()]
        ref = getattr(ctx.target, "ref", "")
        if ref and FsPath(ref).exists():
            roots.append(FsPath(ref) if FsPath(ref).is_dir() else FsPath(ref).parent)
        if settings.get("config_dir"):
            roots.insert(0, FsPath(str(settings["config_dir"])))
        # Rule files the configuration names are configuration: a missing or malformed one stops the scan.
        try:
            for path in rule_files(settings, roots):
                out.extend(load_rule_file(path))
        except MisconfigError as exc:
            raise ConfigError(exc.message, hint="see docs/misconfig.md (custom rules)") from None
        if settings.get("plugins", True):
            problems: list[tuple[str, str]] = []
            out.extend(plugin_checks(problems))
            for where, message in problems:
                ctx.error(where, message, plugin=self.plugin.name)
        known = {c.meta.id for c in builtin_checks()}
        for c in out:
            if c.meta.id in known:
                ctx.error(
                    c.meta.source,
                    f"{c.meta.source}: rule id {c.meta.id} is already used by a built-in check",
                    plugin=self.plugin.name,
                )
        return out


def _default_limits() -> Any:
    from bastion.fs.limits import DEFAULT_LIMITS

    return DEFAULT_LIMITS


def image_resource(image: Any, caches: dict[str, str] | None = None) -> Resource:
    body = {
        "package_caches": [f"{name}: {path}" for name, path in sorted((caches or {}).items())],
        "user": image.user or "",
        "env": list(image.env or ()),
        "healthcheck": list(image.healthcheck) if image.healthcheck is not None else None,
        "exposed_ports": list(image.exposed_ports or ()),
        "history": [{"created_by": h.created_by, "empty_layer": h.empty_layer} for h in image.history or ()],
        "entrypoint": list(image.entrypoint) if image.entrypoint else None,
        "cmd": list(image.cmd) if image.cmd else None,
        "working_dir": image.working_dir,
        "labels": dict(image.labels or {}),
    }
    return Resource(
        file_type="image-config",
        type="image",
        name="config",
        address="config",
        body=body,
        path="image config",
        provider="docker",
        meta={"scope": "image"},
    )


def _render(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    else:
        try:
            text = json.dumps(value, sort_keys=True, default=str)
        except (TypeError, ValueError):
            text = str(value)
    return text if len(text) <= 300 else text[:297] + "..."


def evaluate(
    resources: list[Resource],
    checks: list[Check],
    settings: dict[str, Any],
    comments: dict[str, dict[int, list[tuple[str, str]]]] | None = None,
    layers: dict[str, str | None] | None = None,
) -> list[Finding]:
    """Run ``checks`` over ``resources`` and turn violations into findings (with suppressions)."""
    comments = comments or {}
    layers = layers or {}
    skip = {str(s).upper(): "config" for s in settings.get("skip_checks") or ()}
    project = Project(resources)
    # index checks by (file type, resource type) once
    index: dict[tuple[str, str], list[Check]] = {}
    out: list[Finding] = []
    seen: set[str] = set()
    for res in resources:
        key = (res.file_type, res.type)
        applicable = index.get(key)
        if applicable is None:
            applicable = index[key] = [c for c in checks if c.applies_to(res)]
        for check in applicable:
            for v in check.evaluate(res, project):
                finding = _finding(check, res, v, skip, comments, layers)
                if finding.fingerprint not in seen:
                    seen.add(finding.fingerprint)
                    out.append(finding)
    return out


def _finding(
    check: Check,
    res: Resource,
    v: Violation,
    skip: dict[str, str],
    comments: dict[str, dict[int, list[tuple[str, str]]]],
    layers: dict[str, str | None],
) -> Finding:
    meta = check.meta
    target = v.resource or res
    line, end = (
        (v.line, v.line) if v.line is not None else target.span(v.path if v.resource is None else None)
    )
    suppressed = None
    rule = meta.id.upper()
    if rule in skip or "*" in skip:
        suppressed = Suppression(by="config", reason="misconfig.skip_checks in configuration")
    else:
        reason = target.ignores.get(rule) or target.ignores.get("*")
        if reason is None:
            reason = find_inline(comments.get(target.path, {}), rule, line, target.line, target.end_line)
        if reason is not None:
            suppressed = Suppression(by="inline", reason=reason)
    message = v.message or meta.title
    offending = _render(v.value)
    helm = target.meta.get("helm_source")
    description = (
        f"{message}."
        + (f" {meta.description}" if meta.description else "")
        + (f" (rendered from {helm})" if helm else "")
    )
    return Finding(
        kind=FindingKind.MISCONFIG,
        id=meta.id,
        title=meta.title,
        severity=meta.severity,
        fingerprint=fingerprint(
            FindingKind.MISCONFIG, meta.id, target.path, target.address, message, offending
        ),
        description=description,
        location=Location(
            path=target.path, layer=layers.get(target.path), line=line, end_line=end, resource=target.address
        ),
        references=meta.references,
        suppressed=suppressed,
        found_by="misconfig",
        evidence=MisconfigEvidence(
            file_type=target.file_type if not target.meta.get("plan") else "terraform-plan",
            provider=target.provider or meta.provider,
            offending_value=offending,
            remediation=meta.remediation,
            compliance=meta.compliance,
        ),
    )
