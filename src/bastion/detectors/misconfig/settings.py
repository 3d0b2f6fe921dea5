"""The ``misconfig:`` section of bastion.yaml, validated: a typo must not silently weaken a policy."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bastion.errors import ConfigError


class MisconfigSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    #: YAML rule files, relative to the target root, the working directory or ``config_dir``.
    rules_files: list[str] = Field(default_factory=list)
    #: Directories of YAML rule files (every ``*.yaml``/``*.yml`` below them).
    rules_dirs: list[str] = Field(default_factory=list)
    #: Where relative rule paths are looked up first.
    config_dir: str | None = None
    #: Load Python checks from the ``bastion.misconfig_checks`` entry-point group.
    plugins: bool = True
    #: Check ids whose findings are reported as suppressed (``suppressed.by == "config"``).
    skip_checks: list[str] = Field(default_factory=list)


def parse_settings(raw: Any) -> MisconfigSettings:
    if raw is None:
        return MisconfigSettings()
    if not isinstance(raw, dict):
        raise ConfigError(
            "bastion.yaml: misconfig: expected a mapping of settings", hint="see docs/misconfig.md"
        )
    try:
        return MisconfigSettings.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        message = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
        raise ConfigError(
            f"bastion.yaml: misconfig.{where}: {message}", hint="see docs/misconfig.md"
        ) from None
