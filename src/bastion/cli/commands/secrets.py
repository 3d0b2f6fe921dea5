"""``bastion secrets baseline|rules|import-gitleaks`` — the secrets baseline and the rule table.

Thin shell over :mod:`bastion.scan` and :mod:`bastion.detectors.secrets`:

- ``baseline TARGET -o .bastion-secrets-baseline.json`` scans TARGET for secrets only and writes every
  finding's fingerprint (never the secret) to the baseline; later scans of the target report those
  findings as suppressed (``suppressed.by == "baseline"``).
- ``rules`` lists the rule table (``--format markdown`` is what docs/secrets.md embeds).
- ``import-gitleaks FILE`` converts a gitleaks TOML configuration into bastion's rule format.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
import yaml
from rich.console import Console
from rich.table import Table

from bastion import __version__
from bastion.config import PolicyOverrides, resolve
from bastion.detectors.secrets.baseline import BASELINE_NAME, baseline_from_findings
from bastion.errors import ConfigError
from bastion.model import FindingKind
from bastion.scan import ScanOptions, scan
from bastion.targets.factory import TargetOptions, open_target

if TYPE_CHECKING:
    from bastion.detectors.secrets.rules import Rule

app = typer.Typer(
    help="Secrets: baseline known findings, list rules, import gitleaks rules.", no_args_is_help=True
)


class Kind(StrEnum):
    fs = "fs"
    repo = "repo"
    image = "image"


class RulesFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command("baseline")
def baseline_command(
    target: Annotated[str, typer.Argument(help="Directory, repository or image reference to baseline.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help=f"Baseline file to write (default: TARGET/{BASELINE_NAME})."),
    ] = None,
    kind: Annotated[Kind, typer.Option("--kind", help="What TARGET is.")] = Kind.fs,
    history: Annotated[
        bool, typer.Option("--history", help="repo: include every commit's added lines.")
    ] = False,
    config: Annotated[Path | None, typer.Option("--config", "-c", help="bastion.yaml to use.")] = None,
    no_config: Annotated[bool, typer.Option("--no-config", help="Ignore any bastion.yaml.")] = False,
    cache_dir: Annotated[
        Path | None, typer.Option("--cache-dir", envvar="BASTION_CACHE_DIR", help="Cache directory.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No summary on stderr.")] = False,
) -> int:
    """Scan TARGET for secrets and record every finding in a baseline file."""
    from bastion.detectors.secrets.detector import SecretDetector

    err = Console(stderr=True, highlight=False)
    cfg = resolve(
        config_path=config,
        target=target,
        kind=kind.value,
        overrides=PolicyOverrides(),
        discover=not no_config,
    )
    settings = dict(cfg.settings)
    secret = dict(settings.get("secret") or {})
    settings["secret"] = secret
    tgt = open_target(
        kind.value,
        target,
        TargetOptions(
            skip_files=cfg.skip_files, skip_dirs=cfg.skip_dirs, history=history, cache_dir=cache_dir
        ),
    )
    result = scan(
        tgt, ScanOptions(scanners=("secret",), inventory=False, settings=settings, cache_dir=cache_dir)
    )
    findings = [f for f in result.findings if f.kind is FindingKind.SECRET]
    doc = baseline_from_findings(
        findings,
        bastion_version=__version__,
        plugin=str(SecretDetector.plugin),
        target=result.target.ref,
        settings={"secret": secret, "history": history},
    )
    if output is None:
        root = Path(target)
        if kind is Kind.image or not root.is_dir():
            raise ConfigError("--output is required when TARGET is not a directory")
        output = root / BASELINE_NAME
    output.write_text(json.dumps(doc, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    if not quiet:
        already = sum(1 for f in findings if f.suppressed is not None and f.suppressed.by == "baseline")
        err.print(
            f"{output}: {len(doc['findings'])} secret finding(s) recorded"
            + (f" ({already} already in the previous baseline)" if already else "")
        )
        for e in result.errors[:10]:
            err.print(f"[yellow]note:[/] {e.path}: {e.message}", markup=True)
    return 0


@app.command("rules")
def rules_command(
    fmt: Annotated[
        RulesFormat, typer.Option("--format", "-f", help="table, json or markdown.")
    ] = RulesFormat.table,
    config: Annotated[
        Path | None, typer.Option("--config", "-c", help="bastion.yaml with custom rules.")
    ] = None,
) -> int:
    """List the secret rules (built-in and, with --config, custom)."""
    from bastion.detectors.secrets.detector import build_rules
    from bastion.detectors.secrets.settings import parse_settings

    settings = {}
    if config is not None:
        cfg = resolve(config_path=config, target=None, kind=None, overrides=PolicyOverrides())
        settings = dict(cfg.settings.get("secret") or {})
    roots = [config.parent] if config is not None else [Path.cwd()]
    rules = [c.rule for c in build_rules(parse_settings(settings), roots).rules if c.rule.report]
    out = Console(width=None if Console().is_terminal else 200, highlight=False)
    if fmt is RulesFormat.json:
        typer.echo(json.dumps([_rule_doc(r) for r in rules], indent=2))
    elif fmt is RulesFormat.markdown:
        typer.echo(rules_markdown(rules))
    else:
        table = Table(title=f"{len(rules)} secret rules", title_justify="left")
        for col in ("ID", "Severity", "Category", "Title", "Keywords"):
            table.add_column(col, overflow="fold")
        for r in rules:
            table.add_row(r.id, r.severity.value, r.category, r.title, ", ".join(r.keywords))
        out.print(table)
    return 0


def _rule_doc(r: Rule) -> dict[str, object]:
    return {
        "id": r.id,
        "title": r.title,
        "severity": r.severity.value,
        "category": r.category,
        "keywords": list(r.keywords),
        "regex": r.regex,
        "entropy": r.entropy,
        "validator": r.validator,
        "source": r.source,
    }


def rules_markdown(rules: list[Rule]) -> str:
    lines = ["| Rule | Severity | Category | What | Check |", "|---|---|---|---|---|"]
    for r in rules:
        check = []
        if r.validator:
            check.append(f"validator `{r.validator}`")
        if r.entropy is not None:
            check.append(f"entropy ≥ {r.entropy:g}")
        if r.near:
            check.append(f"within {r.near_lines} lines of `{r.near}`")
        lines.append(f"| `{r.id}` | {r.severity.value} | {r.category} | {r.title} | {', '.join(check)} |")
    return "\n".join(lines)


@app.command("import-gitleaks")
def import_gitleaks_command(
    path: Annotated[Path, typer.Argument(help="A gitleaks TOML configuration.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Rule file to write (default: stdout).")
    ] = None,
) -> int:
    """Convert a gitleaks configuration's rules into bastion's rule format (YAML).

    A gitleaks TOML can also be used directly: ``secret: {rules: [.gitleaks.toml]}`` in bastion.yaml.
    """
    from bastion.detectors.secrets.rules import import_gitleaks

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    rules = import_gitleaks(text, str(path))
    doc = {
        "version": 1,
        "rules": [
            {
                k: v
                for k, v in {
                    "id": r.id,
                    "title": r.title,
                    "severity": r.severity.value,
                    "regex": r.regex,
                    "keywords": list(r.keywords) or None,
                    "entropy": r.entropy,
                    "allow": list(r.allow) or None,
                    "allow_match": list(r.allow_match) or None,
                    "paths": r.paths,
                    "keywords_in_match": False if r.keywords else None,
                    "description": r.description or None,
                }.items()
                if v is not None
            }
            for r in rules
        ],
    }
    text_out = f"# Imported from {path} by bastion {__version__}\n" + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, width=1000
    )
    if output is None:
        typer.echo(text_out)
    else:
        output.write_text(text_out, encoding="utf-8")
        Console(stderr=True).print(f"{output}: {len(rules)} rule(s)")
    return 0


__all__ = ["app", "rules_markdown"]
