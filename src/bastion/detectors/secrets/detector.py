"""The ``secret`` content detector: files, every image layer, archives, the image config, git history.

Per file (the scanner reads it once and shares it): skip binary and minified content, run the
:class:`~bastion.detectors.secrets.engine.SecretScanner`, turn candidates into findings. Each finding
carries a redacted match and the sha256 of the secret, never the secret; its fingerprint is rule id +
path + secret hash. After the walk (:meth:`SecretDetector.finish`): the image config (env, labels,
history ``created_by`` lines with build args) and, for ``scan repo --history``, every added line of
every commit.

Noise handling (see docs/secrets.md): placeholders, examples, stop-words and failed validators drop a
candidate; inline ``bastion:ignore`` comments, test-fixture paths, ``secret.allow`` entries and the
baseline keep the finding but mark it suppressed.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar

from bastion.cache import cache_root
from bastion.detectors.base import Capability, DetectContext, FileContent, config_roots, resolve_config_path
from bastion.detectors.secrets import keys as keymod
from bastion.detectors.secrets.baseline import BASELINE_NAME, Baseline, load_baseline, parse_baseline
from bastion.detectors.secrets.engine import Candidate, SecretScanner, make_matcher
from bastion.detectors.secrets.fingerprint import finding_fingerprint, redact, secret_hash
from bastion.detectors.secrets.noise import (
    DEFAULT_STOPWORDS,
    DEFAULT_TEST_PATHS,
    is_binary,
    is_minified,
    skip_by_name,
)
from bastion.detectors.secrets.rules import RULES_VERSION, Rule, RuleSet, builtin_rules, load_rule_file
from bastion.detectors.secrets.settings import SecretSettings, parse_settings
from bastion.errors import BastionError, ConfigError
from bastion.fs.archives import GZIP_SUFFIXES, TAR_SUFFIXES, ZIP_SUFFIXES, archive_kind
from bastion.fs.limits import DEFAULT_LIMITS
from bastion.fs.paths import glob_to_regex
from bastion.model import (
    ArtifactKind,
    FileRef,
    Finding,
    FindingKind,
    Location,
    PluginId,
    SecretEvidence,
    Severity,
    Suppression,
)

log = logging.getLogger(__name__)

__all__ = ["IMAGE_CONFIG_PATH", "SecretDetector", "build_rules"]

#: Generic (keyword + entropy) findings reported per file; more are counted in one errors entry.
MAX_GENERIC_PER_FILE = 25
#: The pseudo path of findings in an image's configuration (env, labels, history).
IMAGE_CONFIG_PATH = "image-config"
_DER_CERT_EXT = (".der", ".cer", ".crt")
_PKCS12_EXT = (".p12", ".pfx")
_DER_KEY_EXT = (".der", ".key")
_ARCHIVE_SUFFIXES = ZIP_SUFFIXES + TAR_SUFFIXES + GZIP_SUFFIXES
#: Oversized text files listed in ``errors`` at most this many times (then one summary line).
_MAX_OVERSIZE_NOTES = 20
_KV_TOKEN = re.compile(rb"(?:^|[\s|;&(])([A-Za-z_][A-Za-z0-9_.-]{0,80}=[^\s;&|]{1,400})")


def build_rules(settings: SecretSettings, roots: list[Path]) -> RuleSet:
    """The rule set of a scan: built-ins (unless disabled) + custom files, minus disabled ids."""
    rules: list[Rule] = list(builtin_rules()) if settings.builtin else []
    files = list(settings.rules)
    if settings.gitleaks_config:
        files.append(settings.gitleaks_config)
    for item in files:
        rules.extend(load_rule_file(resolve_config_path(item, roots)))
    if settings.enable is not None:
        wanted = set(settings.enable)
        rules = [r for r in rules if r.id in wanted or r.category == "certificate"]
    if settings.disable:
        off = set(settings.disable)
        rules = [r for r in rules if r.id not in off]
    ids = {r.id for r in rules}
    rules = [r if r.near is None or r.near in ids else dataclasses.replace(r, near=None) for r in rules]
    from bastion.detectors.secrets.validators import VALIDATORS

    for r in rules:
        if r.validator is not None and r.validator not in VALIDATORS:
            raise ConfigError(
                f"secret rule {r.id!r} ({r.source}): unknown validator {r.validator!r}; "
                f"one of {', '.join(sorted(VALIDATORS))}"
            )
    return RuleSet(rules)


def _path_matcher(globs: Iterable[str]) -> re.Pattern[str] | None:
    regexes = [glob_to_regex(g) for g in globs if g.strip()]
    if not regexes:
        return None
    # A glob matches the path itself or any parent directory of it.
    return re.compile("^(?:" + "|".join(regexes) + ")(?:/.*)?$")


def _cache_dir(settings: SecretSettings, ctx: DetectContext) -> Path:
    """``secret.cache_dir`` in bastion.yaml, else the scan's cache directory."""
    return (
        Path(settings.cache_dir) / "secrets" if settings.cache_dir else cache_root(ctx.cache_dir) / "secrets"
    )


class _State:
    """Everything a scan needs, built on first use from ``ctx.settings["secret"]``."""

    def __init__(self, ctx: DetectContext) -> None:
        raw = ctx.settings.get("secret")
        if raw is not None and not isinstance(raw, dict):
            raise ConfigError("bastion.yaml: secret: expected a mapping of settings")
        self.settings = parse_settings(raw)
        s = self.settings
        self.roots = config_roots(ctx)
        self.rules = build_rules(s, self.roots)
        matcher = make_matcher(self.rules, engine=s.engine, cache_dir=_cache_dir(s, ctx))
        stopwords = list(DEFAULT_STOPWORDS if s.stopwords is None else s.stopwords) + list(s.allow.stopwords)
        self.scanner = SecretScanner(self.rules, matcher, stopwords=stopwords)
        self.test_paths = _path_matcher(DEFAULT_TEST_PATHS if s.test_paths is None else s.test_paths)
        self.allow_paths = _path_matcher(s.allow.paths)
        self.allow_regexes = [re.compile(r.encode()) for r in s.allow.regexes]
        self.baseline = _load_baseline(ctx, s, self.roots)
        self.validator: Any = None
        if s.validate_ and ctx.settings.get("network", True) and not os.environ.get("BASTION_OFFLINE"):
            from bastion.detectors.secrets.validate import LiveValidator

            self.validator = LiveValidator(timeout=s.validate_timeout)
        self.now = ctx.now
        #: Every secret value reported, so the scanner can scrub it from the rest of the result.
        self.redactions = ctx.redactions


def _load_baseline(ctx: DetectContext, s: SecretSettings, roots: list[Path]) -> Baseline | None:
    if s.baseline:
        path = resolve_config_path(s.baseline, roots)
        if not path.is_file():
            raise ConfigError(f"{s.baseline}: secrets baseline not found (secret.baseline)")
        return load_baseline(path)
    if ctx.tree is None or ctx.target.kind not in (ArtifactKind.FS, ArtifactKind.REPO):
        return None
    ref = ctx.tree.stat(BASELINE_NAME)
    if ref is None or not ref.is_file:
        return None
    try:
        with ctx.tree.open(BASELINE_NAME) as fh:
            text = fh.read(64 << 20).decode("utf-8", "replace")
    except (OSError, BastionError) as exc:
        ctx.error(BASELINE_NAME, f"cannot read the secrets baseline: {exc}", plugin="secret/rules")
        return None
    return parse_baseline(text, BASELINE_NAME)


class SecretDetector:
    """Content detector for secrets, private keys and certificates (see the module docstring)."""

    plugin: ClassVar[PluginId] = PluginId("secret/rules", RULES_VERSION)
    kind: ClassVar[FindingKind] = FindingKind.SECRET
    requires: ClassVar[frozenset[Capability]] = frozenset({Capability.FILES})
    hashes: ClassVar[frozenset[str]] = frozenset()
    scans_archives: ClassVar[bool] = True

    def __init__(self) -> None:
        self._state: _State | None = None
        self._broken = False
        self._oversize: list[str] = []
        self._emitted: set[tuple[str, str | None, int | None, str | None]] = set()

    # -- selection ----------------------------------------------------------------------------------
    def wants(self, entry: FileRef) -> bool:
        if entry.size == 0:
            return False
        lower = entry.path.lower()
        if lower.endswith(_PKCS12_EXT + _DER_CERT_EXT + _DER_KEY_EXT):
            return entry.size <= DEFAULT_LIMITS.max_scan_size
        if lower.endswith(_ARCHIVE_SUFFIXES):
            # Read so the scanner can expand it (its members are scanned, not its raw bytes).
            return entry.size <= DEFAULT_LIMITS.max_scan_size
        if skip_by_name(entry.path):
            return False
        if entry.size > DEFAULT_LIMITS.max_scan_size:
            if entry.path not in self._oversize:
                self._oversize.append(entry.path)
            return False
        return True

    # -- per file -----------------------------------------------------------------------------------
    def _ensure(self, ctx: DetectContext) -> _State | None:
        if self._state is None and not self._broken:
            try:
                self._state = _State(ctx)
            except ConfigError:
                raise  # a malformed bastion.yaml section stops the scan (exit 2); it never passes silently
            except BastionError as exc:
                self._broken = True
                ctx.error(".", f"secret scanning disabled: {exc.diagnostics()}", plugin=self.plugin.name)
        return self._state

    def scan_file(self, file: FileContent, ctx: DetectContext) -> Iterable[Finding]:
        state = self._ensure(ctx)
        if state is None:
            return []
        if file.data is None:  # over the scan's content limit: not read
            if file.path not in self._oversize:
                self._oversize.append(file.path)
            return []
        data = file.data
        path = file.path
        lower = path.lower()
        out: list[Finding] = []
        if lower.endswith(_PKCS12_EXT) or (
            lower.endswith(_DER_CERT_EXT + _DER_KEY_EXT) and data[:1] == b"\x30"
        ):
            return self._binary_key_material(state, file, ctx)
        if lower.endswith(_ARCHIVE_SUFFIXES) and archive_kind(path, data[:512]) is not None:
            return []  # the scanner expands it and hands over the members
        # Binary content (executables, data files) gets the specific token formats only: a key or a
        # ghp_ token compiled into a binary is still one, an "assignment" in random bytes is noise.
        binary = is_binary(data[:8192])
        if binary and state.settings.skip_binary:
            return []
        if state.settings.skip_minified and is_minified(path, data):
            return []
        cands = state.scanner.scan(data, path, specific_only=binary)
        if state.scanner.truncated:
            ctx.error(
                path,
                "secret scan cut short for rule(s) "
                + ", ".join(sorted(state.scanner.truncated))
                + ": too many candidate matches in this file",
                plugin=self.plugin.name,
                layer=file.entry.layer_digest,
            )
        if not cands:
            return []
        certs = [c for c in cands if c.rule.rule.category == "certificate"]
        if certs and state.settings.certificates:
            out.extend(self._certificates(state, file, certs, ctx))
        generic = 0
        for cand in cands:
            if cand.rule.rule.category == "certificate":
                continue
            if cand.rule.rule.category == "generic":
                generic += 1
                if generic > MAX_GENERIC_PER_FILE:
                    continue
            out.extend(self._findings_for(state, cand, file, ctx))
        if generic > MAX_GENERIC_PER_FILE:
            # Hundreds of "key = high-entropy value" matches in one file is data (a tokenizer vocabulary,
            # test vectors, a hash list), not configuration. Said once; the provider rules still run.
            ctx.error(
                path,
                f"{generic - MAX_GENERIC_PER_FILE} further generic secret match(es) not reported: more than "
                f"{MAX_GENERIC_PER_FILE} in one file looks like data, not configuration",
                plugin=self.plugin.name,
                layer=file.entry.layer_digest,
            )
        return out

    def _layer_context(self, file: FileContent, ctx: DetectContext) -> tuple[str | None, str | None, bool]:
        entry = file.entry
        created_by = None
        if entry.layer_digest is not None:
            info = ctx.target.layer_by_digest(entry.layer_digest)
            if info is None and entry.layer is not None and entry.layer < len(ctx.target.layers):
                info = ctx.target.layers[entry.layer]
            created_by = info.created_by if info is not None else None
        return entry.layer_digest, created_by, not entry.visible

    def _findings_for(
        self, state: _State, cand: Candidate, file: FileContent, ctx: DetectContext
    ) -> list[Finding]:
        layer, created_by, deleted = self._layer_context(file, ctx)
        extra: dict[str, str] = {}
        if file.archive_path:
            extra["archive"] = "!".join(file.archive_path)
        if layer is not None:
            extra["layer_index"] = str(file.entry.layer) if file.entry.layer is not None else ""
            if created_by:
                extra["layer_created_by"] = created_by[:500]
        out = []
        severity = cand.rule.rule.severity
        title = cand.rule.rule.title
        key_info: keymod.KeyInfo | None = None
        if cand.rule.rule.validator == "private-key":
            key_info = keymod.analyze_private_key(cand.secret)
            extra.update(key_info.extra())
            if key_info.encrypted and severity.rank > Severity.MEDIUM.rank:
                severity = Severity.MEDIUM
                title += " (encrypted)"
        description = cand.rule.rule.description or ""
        if layer is not None:
            where = f"layer {file.entry.layer}" + (f" ({created_by})" if created_by else "")
            if deleted:
                title += " — deleted in a later layer"
                description = (
                    f"Added by {where}. A later layer deleted or replaced the file, but the secret is "
                    "still in the image: anyone who pulls it can extract that layer."
                )
            else:
                description = (description + " " if description else "") + f"Added by {where}."
        finding = self._make(
            state,
            rule_id=cand.rule.id,
            title=title,
            severity=severity,
            secret=cand.secret,
            entropy=cand.entropy,
            path=file.path,
            line=cand.line,
            end_line=cand.end_line if cand.end_line != cand.line else None,
            layer=layer,
            inline=cand.inline_ignored,
            deleted=deleted,
            extra=extra,
            description=description.strip(),
            references=cand.rule.rule.references,
            note=cand.note,
        )
        if finding is not None:
            out.append(finding)
        if key_info is not None and key_info.weak:
            weak = self._make(
                state,
                rule_id="private-key-weak",
                title=f"Weak private key: {key_info.weak}",
                severity=Severity.MEDIUM,
                secret=cand.secret,
                entropy=None,
                path=file.path,
                line=cand.line,
                end_line=None,
                layer=layer,
                inline=cand.inline_ignored,
                deleted=deleted,
                extra=dict(extra),
                description="RSA keys shorter than 2048 bits and DSA keys are breakable or deprecated.",
            )
            if weak is not None:
                out.append(weak)
        return out

    def _make(
        self,
        state: _State,
        *,
        rule_id: str,
        title: str,
        severity: Severity,
        secret: bytes,
        entropy: float | None,
        path: str,
        line: int | None,
        end_line: int | None,
        layer: str | None,
        inline: bool = False,
        deleted: bool = False,
        credential: bool = True,
        extra: dict[str, str] | None = None,
        description: str = "",
        resource: str | None = None,
        fingerprint_path: str | None = None,
        commit: str | None = None,
        author: str | None = None,
        date: str | None = None,
        hashed: str | None = None,
        match: str | None = None,
        references: tuple[str, ...] = (),
        note: str | None = None,
    ) -> Finding | None:
        hashed = hashed or secret_hash(secret)
        state.redactions.add(secret.decode("utf-8", "surrogateescape"))
        fp = finding_fingerprint(rule_id, fingerprint_path or path, hashed)
        key = (fp, layer, line, commit)
        if key in self._emitted:
            return None
        self._emitted.add(key)
        suppressed = self._suppression(state, fp, path, secret, inline, note)
        validation = "unverified"
        if state.validator is not None and note is None and state.validator.supports(rule_id):
            validation = state.validator.check(rule_id, secret.decode("utf-8", "replace"))
        return Finding(
            kind=FindingKind.SECRET,
            id=rule_id,
            title=title,
            severity=severity,
            fingerprint=fp,
            description=description,
            location=Location(path=path, layer=layer, line=line, end_line=end_line, resource=resource),
            references=tuple(references),
            suppressed=suppressed,
            found_by=self.plugin.name,
            evidence=SecretEvidence(
                match=match or redact(secret),
                secret_hash=hashed,
                entropy=entropy,
                validation=validation,  # type: ignore[arg-type]
                commit=commit,
                author=author,
                date=date,
                deleted_in_later_layer=deleted,
                credential=credential,
                extra=dict(extra or {}),
            ),
        )

    def _suppression(
        self, state: _State, fp: str, path: str, secret: bytes, inline: bool, note: str | None = None
    ) -> Suppression | None:
        if inline:
            return Suppression(by="inline", reason="bastion:ignore comment on the line")
        if note == "checksum":
            return Suppression(
                by="config",
                reason="checksum mismatch: the provider never issued this token (a test or example value)",
            )
        if note == "unparseable":
            return Suppression(
                by="config", reason="not a parseable key: truncated, corrupted or an example block"
            )
        if state.baseline is not None and fp in state.baseline:
            return Suppression(
                by="baseline", reason="known secret listed in the baseline", ref=state.baseline.source
            )
        bare = path.split("!", 1)[0] if "!" in path else path
        if state.allow_paths is not None and (state.allow_paths.match(path) or state.allow_paths.match(bare)):
            return Suppression(by="config", reason="path allow-listed (secret.allow.paths)")
        if any(r.search(secret) for r in state.allow_regexes):
            return Suppression(by="config", reason="value allow-listed (secret.allow.regexes)")
        if state.test_paths is not None and (state.test_paths.match(path) or state.test_paths.match(bare)):
            return Suppression(
                by="config",
                reason="test fixture, example or third-party documentation path (secret.test_paths)",
            )
        return None

    # -- keys and certificates ---------------------------------------------------------------------
    def _certificates(
        self, state: _State, file: FileContent, certs: list[Candidate], ctx: DetectContext
    ) -> list[Finding]:
        infos = [(c, keymod.analyze_certificate(c.secret)) for c in certs]
        parsed = [(c, i) for c, i in infos if i is not None]
        if len(parsed) >= 3 and all(i.is_ca for _c, i in parsed):
            return []  # a trust store (CA bundle): expired or SHA-1 roots there are not this file's fault
        out = []
        for cand, info in parsed:
            out.extend(self._cert_findings(state, file, info, cand.line, cand.inline_ignored, ctx))
        return out

    def _cert_findings(
        self,
        state: _State,
        file: FileContent,
        info: keymod.CertInfo,
        line: int | None,
        inline: bool,
        ctx: DetectContext,
    ) -> list[Finding]:
        from datetime import UTC, datetime

        now = state.now or datetime.now(UTC)
        layer, _created_by, deleted = self._layer_context(file, ctx)
        severities = {
            "certificate-expired": Severity.MEDIUM,
            "certificate-expiring": Severity.LOW,
            "certificate-weak-key": Severity.MEDIUM,
            "certificate-weak-signature": Severity.LOW,
        }
        titles = {
            "certificate-expired": "Expired certificate",
            "certificate-expiring": "Certificate about to expire",
            "certificate-weak-key": "Certificate with a weak key",
            "certificate-weak-signature": "Certificate with a weak signature algorithm",
        }
        out = []
        for problem in keymod.certificate_problems(info, now, state.settings.cert_expiry_days):
            extra = {
                "subject": info.subject,
                "issuer": info.issuer,
                "not_after": info.not_after.isoformat(),
                "key_type": info.key_type,
                "key_size": str(info.key_size or ""),
                "signature_hash": info.signature_hash or "",
            }
            f = self._make(
                state,
                rule_id=problem.rule,
                title=f"{titles[problem.rule]}: {problem.message}",
                severity=severities[problem.rule],
                secret=b"",
                entropy=None,
                path=file.path,
                line=line,
                end_line=None,
                layer=layer,
                inline=inline,
                deleted=deleted,
                credential=False,
                extra=extra,
                description=f"Certificate {info.subject} issued by {info.issuer}: {problem.message}.",
                hashed=info.sha256,
                match=f"certificate sha256:{info.sha256[:16]}…",
            )
            if f is not None:
                out.append(f)
        return out

    def _binary_key_material(self, state: _State, file: FileContent, ctx: DetectContext) -> list[Finding]:
        assert file.data is not None
        data = file.data
        lower = file.path.lower()
        layer, _created_by, deleted = self._layer_context(file, ctx)
        out: list[Finding] = []
        if lower.endswith(_PKCS12_EXT):
            info = keymod.analyze_pkcs12(data)
            if info.valid:
                extra = {"protected": "true" if info.protected else "false"}
                if info.key is not None:
                    extra.update(info.key.extra())
                f = self._make(
                    state,
                    rule_id="pkcs12-file",
                    title="PKCS#12 key store" + ("" if info.protected else " without a password"),
                    severity=Severity.MEDIUM if info.protected else Severity.HIGH,
                    secret=data,
                    entropy=None,
                    path=file.path,
                    line=None,
                    end_line=None,
                    layer=layer,
                    deleted=deleted,
                    extra=extra,
                    description="A .p12/.pfx bundle usually holds a private key and its certificate.",
                    match=f"PKCS#12…({len(data)} bytes)",
                )
                if f is not None:
                    out.append(f)
            return out
        if lower.endswith(_DER_CERT_EXT) and state.settings.certificates:
            cert = keymod.analyze_certificate(data)
            if cert is not None:
                return self._cert_findings(state, file, cert, None, False, ctx)
        if lower.endswith(_DER_KEY_EXT):
            key = keymod.analyze_der_private_key(data)
            if key is not None:
                f = self._make(
                    state,
                    rule_id="private-key-der",
                    title=f"{key.key_type} private key (DER)",
                    severity=Severity.HIGH,
                    secret=data,
                    entropy=None,
                    path=file.path,
                    line=None,
                    end_line=None,
                    layer=layer,
                    deleted=deleted,
                    extra=key.extra(),
                    match=f"DER private key…({len(data)} bytes)",
                )
                if f is not None:
                    out.append(f)
        return out

    # -- after the walk -----------------------------------------------------------------------------
    def finish(self, ctx: DetectContext) -> Iterable[Finding]:
        state = self._ensure(ctx)
        out: list[Finding] = []
        if self._oversize:
            for p in self._oversize[:_MAX_OVERSIZE_NOTES]:
                ctx.error(
                    p,
                    f"larger than the {ctx.limits.max_scan_size}-byte content limit; not scanned for secrets",
                    plugin=self.plugin.name,
                )
            if len(self._oversize) > _MAX_OVERSIZE_NOTES:
                ctx.error(
                    ".",
                    f"{len(self._oversize) - _MAX_OVERSIZE_NOTES} more files over the content limit were "
                    "not scanned for secrets",
                    plugin=self.plugin.name,
                )
        if state is None:
            return out
        if ctx.target.image is not None:
            out.extend(self._image_config(state, ctx))
        if ctx.target.kind is ArtifactKind.REPO and ctx.target.metadata.get("history") == "true":
            out.extend(self._history(state, ctx))
        if state.validator is not None:
            state.validator.close()
        return out

    def _scan_text(
        self,
        state: _State,
        text: bytes,
        *,
        resource: str,
        fingerprint_path: str,
        description: str,
        label: str,
    ) -> list[Finding]:
        out = []
        for cand in state.scanner.scan(text, IMAGE_CONFIG_PATH):
            if cand.rule.rule.category == "certificate":
                continue
            if cand.rule.rule.category == "generic":
                title = f"Secret in the image config ({label})"
            else:
                title = f"{cand.rule.rule.title} in the image config ({label})"
            f = self._make(
                state,
                rule_id=cand.rule.id,
                title=title,
                severity=cand.rule.rule.severity,
                secret=cand.secret,
                entropy=cand.entropy,
                path=IMAGE_CONFIG_PATH,
                line=None,
                end_line=None,
                layer=None,
                inline=cand.inline_ignored,
                resource=resource,
                fingerprint_path=fingerprint_path,
                description=description,
                extra={"field": resource},
                note=cand.note,
            )
            if f is not None:
                out.append(f)
        return out

    def _image_config(self, state: _State, ctx: DetectContext) -> list[Finding]:
        img = ctx.target.image
        assert img is not None
        out: list[Finding] = []
        for i, kv in enumerate(img.env):
            out.extend(
                self._scan_text(
                    state,
                    kv.encode("utf-8", "replace"),
                    resource=f"config.env[{i}]",
                    fingerprint_path=f"{IMAGE_CONFIG_PATH}/env",
                    label=f"ENV {kv.partition('=')[0]}",
                    description=f"Environment variable {kv.partition('=')[0]} set in the image config: "
                    "every container and anyone who inspects the image sees it.",
                )
            )
        for key, value in sorted(img.labels.items()):
            out.extend(
                self._scan_text(
                    state,
                    f"{key}={value}".encode("utf-8", "replace"),
                    resource=f"config.labels[{key}]",
                    fingerprint_path=f"{IMAGE_CONFIG_PATH}/labels",
                    label=f"LABEL {key}",
                    description=f"Image label {key}.",
                )
            )
        for field_name, argv in (("config.entrypoint", img.entrypoint), ("config.cmd", img.cmd)):
            if argv:
                out.extend(
                    self._scan_text(
                        state,
                        " ".join(argv).encode("utf-8", "replace"),
                        resource=field_name,
                        fingerprint_path=f"{IMAGE_CONFIG_PATH}/cmd",
                        label=field_name.removeprefix("config.").upper(),
                        description="Command line stored in the image config.",
                    )
                )
        for i, h in enumerate(img.history):
            if not h.created_by:
                continue
            raw = h.created_by.encode("utf-8", "replace")
            # Build args and ENV values as KEY=VALUE lines, so assignment rules see them.
            pairs = [m.group(1) for m in _KV_TOKEN.finditer(raw)]
            text = raw + b"\n" + b"\n".join(pairs)
            out.extend(
                self._scan_text(
                    state,
                    text,
                    resource=f"history[{i}].created_by",
                    fingerprint_path=f"{IMAGE_CONFIG_PATH}/history",
                    label=f"build step {i}",
                    description=f"In the image history (build step {i}: {h.created_by[:200]}); build "
                    "arguments and RUN lines are stored in the image for anyone to read.",
                )
            )
        return out

    def _history(self, state: _State, ctx: DetectContext) -> list[Finding]:
        from bastion.detectors.secrets.history import iter_added_blocks

        root = Path(ctx.target.ref)
        s = state.settings.history
        found: dict[str, Finding] = {}

        def on_error(path: str, message: str) -> None:
            ctx.error(path, message, plugin=self.plugin.name)

        for block in iter_added_blocks(
            root,
            max_commits=s.max_commits,
            max_bytes=s.max_bytes,
            timeout=s.timeout,
            on_error=on_error,
        ):
            if skip_by_name(block.path):
                continue
            text = block.text
            binary = is_binary(text[:8192])
            if binary and state.settings.skip_binary:
                continue
            for cand in state.scanner.scan(text, block.path, specific_only=binary):
                if cand.rule.rule.category == "certificate":
                    continue
                hashed = secret_hash(cand.secret)
                fp = finding_fingerprint(cand.rule.id, block.path, hashed)
                line = block.file_line(cand.line)
                suppressed = self._suppression(
                    state, fp, block.path, cand.secret, cand.inline_ignored, cand.note
                )
                # git log lists newest first: a later sighting is an older commit, which introduced it.
                found[fp] = Finding(
                    kind=FindingKind.SECRET,
                    id=cand.rule.id,
                    title=f"{cand.rule.rule.title} in git history",
                    severity=cand.rule.rule.severity,
                    fingerprint=fp,
                    description=f"Added by commit {block.commit[:12]} ({block.author}, {block.date}). "
                    "Removing it from the working tree does not remove it from history.",
                    location=Location(path=block.path, line=line),
                    suppressed=suppressed,
                    found_by=self.plugin.name,
                    references=cand.rule.rule.references,
                    evidence=SecretEvidence(
                        match=redact(cand.secret),
                        secret_hash=hashed,
                        entropy=cand.entropy,
                        commit=block.commit,
                        author=block.author,
                        date=block.date,
                        extra={"source": "git-history"},
                    ),
                )
        return list(found.values())
