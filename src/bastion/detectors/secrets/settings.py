"""The ``secret:`` section of ``bastion.yaml``, validated here (the config loader passes it through).

.. code-block:: yaml

    secret:
      rules: [ci/secret-rules.yaml, .gitleaks.toml]   # custom rules: bastion YAML or gitleaks TOML
      disable: [generic-password]                      # rule ids not to run
      enable: null                                     # or: only these rule ids
      builtin: true                                    # false: custom rules only
      allow:
        paths: ["docs/**"]                             # findings there are suppressed (by: config)
        regexes: ["^AKIA.*TEST"]                       # secrets matching these are suppressed
        stopwords: [acme-dev]                          # generic values containing these are dropped
      test_paths: ["**/testdata/**"]                   # replaces the default test-fixture globs
      baseline: .bastion-secrets-baseline.json         # default: that file in the target root
      validate: false                                  # live validation (network, opt-in)
      engine: auto                                     # auto | hyperscan | re
      certificates: true                               # expired/weak certificate findings
      cert_expiry_days: 30
      history: {max_commits: 100000, max_bytes: 2147483648, timeout: 900}
      skip_binary: false                               # true: do not scan binary files at all
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bastion.errors import ConfigError

__all__ = ["SecretSettings", "parse_settings"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AllowSettings(_Model):
    paths: list[str] = Field(default_factory=list)
    regexes: list[str] = Field(default_factory=list)
    stopwords: list[str] = Field(default_factory=list)


class HistorySettings(_Model):
    max_commits: int = Field(default=100_000, ge=1)
    max_bytes: int = Field(default=2 << 30, ge=1)
    timeout: float = Field(default=900.0, gt=0)


class SecretSettings(_Model):
    rules: list[str] = Field(default_factory=list)
    gitleaks_config: str | None = None
    builtin: bool = True
    disable: list[str] = Field(default_factory=list)
    enable: list[str] | None = None
    allow: AllowSettings = Field(default_factory=AllowSettings)
    stopwords: list[str] | None = None
    test_paths: list[str] | None = None
    baseline: str | None = None
    validate_: bool = Field(default=False, alias="validate")
    validate_timeout: float = Field(default=10.0, gt=0)
    engine: Literal["auto", "hyperscan", "re"] = "auto"
    certificates: bool = True
    cert_expiry_days: int = Field(default=30, ge=0)
    history: HistorySettings = Field(default_factory=HistorySettings)
    cache_dir: str | None = None
    #: True: binary files are not scanned at all; False (default): only for specific token formats.
    skip_binary: bool = False
    skip_minified: bool = True


def parse_settings(raw: Mapping[str, Any] | None) -> SecretSettings:
    """Validate the section; errors name the key (``secret.allow.paths: …``)."""
    try:
        return SecretSettings.model_validate(dict(raw or {}))
    except ValidationError as exc:
        msgs = []
        for err in exc.errors()[:5]:
            loc = ".".join(str(p) for p in err["loc"])
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"]
            msgs.append(f"bastion.yaml: secret.{loc}: {msg}")
        raise ConfigError("\n".join(msgs), hint="see docs/secrets.md for the secret: section") from None
