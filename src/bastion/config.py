"""``bastion.yaml``: the policy, waivers, VEX documents, scan defaults and detector settings.

This is an edge of the system: the file is validated with pydantic, and every error names the file,
the key and the line (``bastion.yaml:12: waivers[1].expires: Input should be a valid date``). The
result is plain values: a :class:`~bastion.policy.model.Policy` for the gate and a settings mapping
for the detectors (``secret:``, ``malware:``, ``misconfig:``, ``vuln:``, ``license:`` sections are passed
through as they are; each detector validates its own section). See docs/policy.md.

CLI flags override the file: :class:`PolicyOverrides` holds what was given on the command line.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bastion.errors import ConfigError, PolicyError, UsageError
from bastion.fs.limits import DEFAULT_LIMITS, Limits
from bastion.fs.parsing import decode_text
from bastion.model import FindingKind, Severity
from bastion.policy._locate import LineMap, YamlConfigError, dotted, load_config_yaml
from bastion.policy.model import (
    VEX_JUSTIFICATIONS,
    LicensePolicy,
    MisconfigPolicy,
    Policy,
    SeverityRule,
    VexStatement,
    VulnerabilityPolicy,
    Waiver,
)
from bastion.policy.vex import load_vex

#: File names looked up in the target root (then the working directory), in this order.
CONFIG_NAMES = ("bastion.yaml", "bastion.yml", ".bastion.yaml", ".bastion.yml")
#: Top-level sections handed to detectors as ``ScanOptions.settings[name]``.
DETECTOR_SECTIONS = ("secret", "malware", "misconfig", "vuln", "license")

Justification = Literal[
    "component_not_present",
    "vulnerable_code_not_present",
    "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary",
    "inline_mitigations_already_exist",
]
assert set(Justification.__args__) == set(VEX_JUSTIFICATIONS)  # type: ignore[attr-defined]


# -- the file's schema (pydantic, edge only) -----------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def parse_severity_rule(value: str | Sequence[str], default: Severity = Severity.HIGH) -> SeverityRule:
    """``"high"`` → at or above HIGH; ``"critical,high"`` or ``[critical, high]`` → exactly those."""
    items = (
        [v.strip() for v in value.split(",")] if isinstance(value, str) else [str(v).strip() for v in value]
    )
    items = [v for v in items if v]
    if not items:
        return SeverityRule(threshold=default)
    levels = [Severity.parse(v) for v in items]  # ValueError names the bad value
    if len(levels) == 1:
        return SeverityRule(threshold=levels[0])
    return SeverityRule(threshold=default, severities=frozenset(levels))


class _SeverityField(_Model):
    severity: str | list[str] | None = None

    @field_validator("severity")
    @classmethod
    def _check_severity(cls, value: str | list[str] | None) -> str | list[str] | None:
        if value is not None:
            try:
                parse_severity_rule(value)
            except ValueError as exc:
                raise ValueError(f"{exc}; expected critical, high, medium, low or unknown") from None
        return value


class VulnerabilityModel(_SeverityField):
    ignore_unfixed: bool = False
    known_exploited_only: bool = False
    epss_threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class MisconfigModel(_SeverityField):
    fail_rules: list[str] = Field(default_factory=list)
    ignore_rules: list[str] = Field(default_factory=list)


class LicenseModel(_Model):
    deny: list[str] = Field(default_factory=list)
    allow: list[str] = Field(default_factory=list)


class PolicyModel(_Model):
    exit_code: int = Field(default=1, ge=0, le=255)
    vulnerability: VulnerabilityModel = Field(default_factory=VulnerabilityModel)
    misconfig: MisconfigModel = Field(default_factory=MisconfigModel)
    license: LicenseModel = Field(default_factory=LicenseModel)


class WaiverModel(_Model):
    id: str | None = Field(default=None, min_length=1)
    fingerprint: str | None = Field(default=None, min_length=1)
    kind: FindingKind | None = None
    package: str | None = Field(default=None, min_length=1)
    path: str | None = Field(default=None, min_length=1)
    image: str | None = Field(default=None, min_length=1)
    resource: str | None = Field(default=None, min_length=1)
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date
    justification: Justification | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _selects_something(self) -> WaiverModel:
        if self.id is None and self.fingerprint is None and self.kind is None:
            raise ValueError("a waiver needs 'id', 'fingerprint' or 'kind' to say what it waives")
        return self

    def to_waiver(self, source: str) -> Waiver:
        return Waiver(
            reason=self.reason.strip(),
            owner=self.owner.strip(),
            expires=self.expires,
            id=self.id,
            fingerprint=self.fingerprint,
            kind=self.kind,
            package=self.package,
            path=self.path,
            image=self.image,
            resource=self.resource,
            justification=self.justification,
            name=self.name,
            source=source,
        )


_SIZE = re.compile(r"^\s*(\d+)\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?\s*$", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "kib": 1 << 10,
    "mib": 1 << 20,
    "gib": 1 << 30,
    "tib": 1 << 40,
    "kb": 10**3,
    "mb": 10**6,
    "gb": 10**9,
    "tb": 10**12,
}


def _size(value: int | str) -> int:
    if isinstance(value, int):
        if value < 0:
            raise ValueError("must not be negative")
        return value
    m = _SIZE.match(value)
    if m is None:
        raise ValueError(f"expected a byte count such as 67108864 or '64MiB', got {value!r}")
    return int(m.group(1)) * _UNITS[(m.group(2) or "b").lower()]


class LimitsModel(_Model):
    """``scan.limits``: the safety limits for hostile input (see :class:`bastion.fs.limits.Limits`)."""

    max_total_bytes: int | str | None = None
    max_files: int | None = Field(default=None, ge=1)
    max_file_size: int | str | None = None
    max_scan_size: int | str | None = None
    max_parse_bytes: int | str | None = None
    max_archive_depth: int | None = Field(default=None, ge=0, le=64)
    max_compression_ratio: int | None = Field(default=None, ge=1)
    ratio_grace_bytes: int | str | None = None
    max_depth: int | None = Field(default=None, ge=1)
    max_symlink_hops: int | None = Field(default=None, ge=1)
    max_nesting: int | None = Field(default=None, ge=8)
    max_yaml_nodes: int | None = Field(default=None, ge=1000)
    max_layers: int | None = Field(default=None, ge=1)

    @field_validator(
        "max_total_bytes",
        "max_file_size",
        "max_scan_size",
        "max_parse_bytes",
        "ratio_grace_bytes",
        mode="after",
    )
    @classmethod
    def _bytes(cls, value: int | str | None) -> int | None:
        return None if value is None else _size(value)

    def apply(self, base: Limits) -> Limits:
        given = {k: v for k, v in self.model_dump().items() if v is not None}
        return dataclasses.replace(base, **given)


class ScanModel(_Model):
    scanners: list[str] | None = None
    skip_dirs: list[str] = Field(default_factory=list)
    skip_files: list[str] = Field(default_factory=list)
    limits: LimitsModel = Field(default_factory=LimitsModel)


class ConfigModel(_Model):
    version: Literal[1] = 1
    policy: PolicyModel = Field(default_factory=PolicyModel)
    waivers: list[WaiverModel] = Field(default_factory=list)
    vex: list[str] = Field(default_factory=list)
    scan: ScanModel = Field(default_factory=ScanModel)
    secret: dict[str, Any] | None = None
    malware: dict[str, Any] | None = None
    misconfig: dict[str, Any] | None = None
    vuln: dict[str, Any] | None = None
    license: dict[str, Any] | None = None


class _WaiverFile(_Model):
    waivers: list[WaiverModel]


# -- loaded configuration (plain values) -------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    policy: Policy = field(default_factory=Policy)
    settings: Mapping[str, Any] = field(default_factory=dict)
    scanners: tuple[str, ...] | None = None
    skip_dirs: tuple[str, ...] = ()
    skip_files: tuple[str, ...] = ()
    limits: Limits = DEFAULT_LIMITS
    path: Path | None = None


@dataclass(frozen=True)
class PolicyOverrides:
    """Policy options given on the command line; None / empty means "as configured"."""

    severity: str | None = None  # vulnerabilities and misconfigurations
    misconfig_severity: str | None = None
    exit_code: int | None = None
    ignore_unfixed: bool | None = None
    known_exploited_only: bool | None = None
    epss_threshold: float | None = None
    license_deny: tuple[str, ...] = ()
    license_allow: tuple[str, ...] = ()
    fail_rules: tuple[str, ...] = ()
    ignore_rules: tuple[str, ...] = ()
    waiver_files: tuple[Path, ...] = ()
    vex_files: tuple[Path, ...] = ()


def _display(path: Path) -> str:
    try:
        rel = os.path.relpath(path)
    except ValueError:  # pragma: no cover - other drive on Windows
        return str(path)
    return rel if not rel.startswith("..") else str(path)


def _read_yaml(path: Path, what: str) -> tuple[Any, str, LineMap]:
    name = _display(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{name}: {what} not found") from None
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read {what}: {exc.strerror or exc}") from None
    text = decode_text(raw, name)
    try:
        data, lines = load_config_yaml(text, name)
    except YamlConfigError as exc:
        raise ConfigError(str(exc)) from None
    return data, name, lines


def _errors(
    exc: ValidationError, name: str, lines: LineMap, cls: type[ConfigError] = ConfigError
) -> ConfigError:
    messages = []
    for err in exc.errors()[:5]:
        loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = f"missing required key '{loc[-1]}'" if loc else "missing required key"
        msg = msg.removeprefix("Value error, ")
        line = lines.line(loc)
        messages.append(f"{name}:{line}: {dotted(loc)}: {msg}" if line else f"{name}: {dotted(loc)}: {msg}")
    more = len(exc.errors()) - len(messages)
    if more > 0:
        messages.append(f"… and {more} more problem(s)")
    return cls("\n".join(messages), hint="see docs/policy.md for the bastion.yaml reference")


def find_config(target: str | None, kind: str | None) -> Path | None:
    """``bastion.yaml`` in the target's root directory (fs/repo/config targets), else the working directory."""
    roots: list[Path] = []
    if target and kind in ("fs", "repo", "config"):
        p = Path(target)
        roots.append(p if p.is_dir() else p.parent)
    roots.append(Path.cwd())
    for root in roots:
        for candidate in CONFIG_NAMES:
            path = root / candidate
            if path.is_file():
                return path
    return None


def load_config(path: Path) -> Config:
    """Read and validate one ``bastion.yaml``; raises :class:`ConfigError` naming file, key and line."""
    data, name, lines = _read_yaml(path, "configuration file")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{name}:1: expected a mapping of sections (policy, waivers, vex, …), got {type(data).__name__}"
        )
    try:
        model = ConfigModel.model_validate(data)
    except ValidationError as exc:
        raise _errors(exc, name, lines, PolicyError) from None
    waivers = tuple(w.to_waiver(f"{name}:{lines.line(('waivers', i))}") for i, w in enumerate(model.waivers))
    base = path.parent
    vex: list[VexStatement] = []
    for i, item in enumerate(model.vex):
        vex_path = (base / item) if not Path(item).is_absolute() else Path(item)
        if not vex_path.is_file():
            raise PolicyError(
                f"{name}:{lines.line(('vex', i))}: vex[{i}]: VEX document {item!r} not found (relative to {_display(base) or '.'})"
            )
        vex.extend(load_vex(vex_path, display=_display(vex_path)))
    pm = model.policy
    policy = Policy(
        vulnerability=VulnerabilityPolicy(
            severity=parse_severity_rule(pm.vulnerability.severity or "high"),
            ignore_unfixed=pm.vulnerability.ignore_unfixed,
            known_exploited_only=pm.vulnerability.known_exploited_only,
            epss_threshold=pm.vulnerability.epss_threshold,
        ),
        misconfig=MisconfigPolicy(
            severity=parse_severity_rule(pm.misconfig.severity or "high"),
            fail_rules=frozenset(pm.misconfig.fail_rules),
            ignore_rules=frozenset(pm.misconfig.ignore_rules),
        ),
        license=LicensePolicy(deny=frozenset(pm.license.deny), allow=frozenset(pm.license.allow)),
        waivers=waivers,
        vex=tuple(vex),
        exit_code=pm.exit_code,
        source=name,
    )
    settings = {key: getattr(model, key) for key in DETECTOR_SECTIONS if getattr(model, key) is not None}
    return Config(
        policy=policy,
        settings=settings,
        scanners=tuple(model.scan.scanners) if model.scan.scanners is not None else None,
        skip_dirs=tuple(model.scan.skip_dirs),
        skip_files=tuple(model.scan.skip_files),
        limits=model.scan.limits.apply(DEFAULT_LIMITS),
        path=path,
    )


def load_waivers(path: Path) -> tuple[Waiver, ...]:
    """A waiver file: ``waivers: [...]`` (the bastion.yaml section on its own) or a bare list."""
    data, name, lines = _read_yaml(path, "waiver file")
    if isinstance(data, list):
        data = {"waivers": data}
    if not isinstance(data, dict):
        raise PolicyError(f"{name}:1: expected 'waivers:' followed by a list of waivers")
    try:
        model = _WaiverFile.model_validate(data)
    except ValidationError as exc:
        raise _errors(exc, name, lines, PolicyError) from None
    return tuple(w.to_waiver(f"{name}:{lines.line(('waivers', i))}") for i, w in enumerate(model.waivers))


def _cli_severity(flag: str, value: str) -> SeverityRule:
    try:
        return parse_severity_rule(value)
    except ValueError as exc:
        raise UsageError(
            f"{flag}: {exc}", hint="use CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN (one threshold or a list)"
        ) from None


def apply_overrides(config: Config, o: PolicyOverrides) -> Config:
    """The configuration with the command line's policy options applied on top."""
    p = config.policy
    vp, mp, lp = p.vulnerability, p.misconfig, p.license
    if o.severity is not None:
        rule = _cli_severity("--severity", o.severity)
        vp = dataclasses.replace(vp, severity=rule)
        mp = dataclasses.replace(mp, severity=rule)
    if o.misconfig_severity is not None:
        mp = dataclasses.replace(mp, severity=_cli_severity("--misconfig-severity", o.misconfig_severity))
    if o.ignore_unfixed is not None:
        vp = dataclasses.replace(vp, ignore_unfixed=o.ignore_unfixed)
    if o.known_exploited_only is not None:
        vp = dataclasses.replace(vp, known_exploited_only=o.known_exploited_only)
    if o.epss_threshold is not None:
        if not 0.0 <= o.epss_threshold <= 1.0:
            raise UsageError(f"--epss-threshold: {o.epss_threshold} is not a probability between 0 and 1")
        vp = dataclasses.replace(vp, epss_threshold=o.epss_threshold)
    if o.fail_rules or o.ignore_rules:
        mp = dataclasses.replace(
            mp,
            fail_rules=mp.fail_rules | set(o.fail_rules),
            ignore_rules=mp.ignore_rules | set(o.ignore_rules),
        )
    if o.license_deny or o.license_allow:
        lp = LicensePolicy(deny=lp.deny | set(o.license_deny), allow=lp.allow | set(o.license_allow))
    waivers = list(p.waivers)
    for wf in o.waiver_files:
        waivers.extend(load_waivers(wf))
    vex = list(p.vex)
    for vf in o.vex_files:
        if not vf.is_file():
            raise PolicyError(f"--vex {vf}: VEX document not found")
        vex.extend(load_vex(vf, display=_display(vf)))
    exit_code = p.exit_code if o.exit_code is None else o.exit_code
    if not 0 <= exit_code <= 255:
        raise UsageError(f"--exit-code: {exit_code} is not an exit status (0-255)")
    changed = (vp, mp, lp) != (p.vulnerability, p.misconfig, p.license) or o.waiver_files or o.vex_files
    source = f"{p.source} + command line" if changed or o.exit_code is not None else p.source
    policy = dataclasses.replace(
        p,
        source=source,
        vulnerability=vp,
        misconfig=mp,
        license=lp,
        waivers=tuple(waivers),
        vex=tuple(vex),
        exit_code=exit_code,
    )
    return dataclasses.replace(config, policy=policy)


def resolve(
    *,
    config_path: Path | None,
    target: str | None,
    kind: str | None,
    overrides: PolicyOverrides,
    discover: bool = True,
) -> Config:
    """The effective configuration: ``--config`` or a discovered bastion.yaml, then the CLI flags."""
    path = config_path
    if path is None and discover:
        path = find_config(target, kind)
    elif path is not None and not path.is_file():
        raise ConfigError(f"--config {path}: no such file")
    config = load_config(path) if path is not None else Config()
    return apply_overrides(config, overrides)
