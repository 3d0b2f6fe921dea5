"""``bastion scan KIND TARGET`` — one command for every target kind, one options set.

This module only parses options into :class:`~bastion.targets.factory.TargetOptions` and
:class:`~bastion.scan.ScanOptions`, calls the library, writes the reports and maps the verdict to
an exit code.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from bastion.cli import options as opt
from bastion.cli.output import ReportOptions, parse_outputs, print_verdict, write_reports
from bastion.cli.progress import progress_sink
from bastion.config import PolicyOverrides, resolve
from bastion.detectors.registry import DEFAULT_SCANNERS, SCANNERS
from bastion.errors import UsageError
from bastion.scan import ScanOptions, scan
from bastion.targets.factory import open_target

app = typer.Typer(help="Scan a target.", no_args_is_help=True)


class Kind(StrEnum):
    image = "image"
    fs = "fs"
    repo = "repo"
    sbom = "sbom"
    config = "config"


@app.callback(invoke_without_command=True)
def scan_command(
    kind: Annotated[Kind, typer.Argument(help="What TARGET is: image, fs, repo, sbom or config.")],
    target: Annotated[
        str,
        typer.Argument(
            help="Image reference (REGISTRY/REPO:TAG, oci:DIR[:TAG], docker-archive:FILE), path, or SBOM file."
        ),
    ],
    format: Annotated[
        str, typer.Option("--format", "-f", help="Report format for stdout / --output FILE.")
    ] = "table",
    output: Annotated[
        list[str] | None,
        typer.Option("--output", "-o", help="FILE, or NAME=FILE to write several formats (repeatable)."),
    ] = None,
    quiet: opt.Quiet = False,
    scanners: Annotated[
        list[str] | None, typer.Option("--scanners", help=f"Comma-separated: {', '.join(SCANNERS)}.")
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option(
            "--severity",
            help="Comma-separated severities that fail the gate (e.g. CRITICAL,HIGH), or one threshold.",
        ),
    ] = None,
    exit_code: Annotated[
        int | None,
        typer.Option("--exit-code", help="Exit code when the gate fails (default 1; 0 to only report)."),
    ] = None,
    ignore_unfixed: Annotated[
        bool, typer.Option("--ignore-unfixed", help="Vulnerabilities without a fix do not fail the gate.")
    ] = False,
    list_packages: Annotated[
        bool, typer.Option("--list-packages", help="Show the package inventory in the table report.")
    ] = False,
    skip_dirs: opt.SkipDirs = None,
    skip_files: opt.SkipFiles = None,
    platform: opt.Platform = None,
    insecure: opt.Insecure = False,
    username: opt.Username = None,
    password: opt.Password = None,
    cache_dir: opt.CacheDir = None,
    timeout: opt.Timeout = 300.0,
    history: Annotated[
        bool, typer.Option("--history", help="repo: also scan every commit of the git history for secrets.")
    ] = False,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="bastion.yaml to use (default: bastion.yaml in the target root or here)."
        ),
    ] = None,
    no_config: Annotated[
        bool,
        typer.Option("--no-config", help="Ignore any bastion.yaml; use the defaults and the flags only."),
    ] = False,
    misconfig_severity: Annotated[
        str | None,
        typer.Option(
            "--misconfig-severity",
            help="Severities of misconfigurations that fail the gate (else --severity).",
        ),
    ] = None,
    kev_only: Annotated[
        bool,
        typer.Option(
            "--kev-only",
            "--known-exploited-only",
            help="Only known-exploited (CISA KEV) vulnerabilities fail.",
        ),
    ] = False,
    epss_threshold: Annotated[
        float | None,
        typer.Option(
            "--epss-threshold", help="Only vulnerabilities with an EPSS score at least this (0-1) fail."
        ),
    ] = None,
    vex: Annotated[
        list[Path] | None,
        typer.Option("--vex", help="OpenVEX or CycloneDX VEX document to apply (repeatable)."),
    ] = None,
    waivers: Annotated[
        list[Path] | None,
        typer.Option("--waivers", help="YAML file of waivers, as in bastion.yaml's waivers: (repeatable)."),
    ] = None,
    license_deny: Annotated[
        list[str] | None,
        typer.Option("--license-deny", help="SPDX ids that fail the gate (comma-separated)."),
    ] = None,
    license_allow: Annotated[
        list[str] | None,
        typer.Option(
            "--license-allow", help="SPDX ids allowed; any other declared license fails (comma-separated)."
        ),
    ] = None,
    fail_rule: Annotated[
        list[str] | None,
        typer.Option("--fail-rule", help="Misconfiguration rule id that always fails (repeatable)."),
    ] = None,
    ignore_rule: Annotated[
        list[str] | None,
        typer.Option("--ignore-rule", help="Misconfiguration rule id that never fails (repeatable)."),
    ] = None,
    template: Annotated[
        Path | None, typer.Option("--template", help="Jinja2 template file for --format template.")
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            envvar="BASTION_OFFLINE",
            help="Never use the network for the vulnerability database.",
        ),
    ] = False,
    skip_db_update: Annotated[
        bool,
        typer.Option("--skip-db-update", help="Use the vulnerability database as it is; do not refresh it."),
    ] = False,
    db: Annotated[
        Path | None,
        typer.Option(
            "--db", envvar="BASTION_DB", help="Vulnerability database file (default: <cache dir>/db/vuln.db)."
        ),
    ] = None,
) -> int:
    """Scan TARGET and report. Exits 1 (or --exit-code) when the policy gate fails."""
    err = Console(stderr=True, highlight=False)
    outputs = parse_outputs(format, output or [])
    report_options = ReportOptions(list_packages=list_packages, template=template)
    if template is None and any(name == "template" for name, _ in outputs):
        raise UsageError("--format template needs --template FILE (a Jinja2 template)")
    if template is not None and not template.is_file():
        raise UsageError(f"--template {template}: no such file")
    overrides = PolicyOverrides(
        severity=severity,
        misconfig_severity=misconfig_severity,
        exit_code=exit_code,
        ignore_unfixed=True if ignore_unfixed else None,
        known_exploited_only=True if kev_only else None,
        epss_threshold=epss_threshold,
        license_deny=opt.split_csv(license_deny),
        license_allow=opt.split_csv(license_allow),
        fail_rules=opt.split_csv(fail_rule),
        ignore_rules=opt.split_csv(ignore_rule),
        waiver_files=tuple(waivers or ()),
        vex_files=tuple(vex or ()),
    )
    cfg = resolve(
        config_path=config, target=target, kind=kind.value, overrides=overrides, discover=not no_config
    )
    policy = cfg.policy
    chosen = (
        opt.split_csv(scanners)
        or cfg.scanners
        or (("misconfig",) if kind is Kind.config else DEFAULT_SCANNERS)
    )
    target_opts = opt.target_options(
        skip_dirs=skip_dirs,
        skip_files=skip_files,
        platform=platform,
        insecure=insecure,
        username=username,
        password=password,
        cache_dir=cache_dir,
        timeout=timeout,
        history=history,
        extra_skip_dirs=cfg.skip_dirs,
        extra_skip_files=cfg.skip_files,
        limits=cfg.limits,
    )
    with progress_sink(err, quiet) as sink:
        tgt = open_target(kind.value, target, opt.with_progress(target_opts, sink))
        advisories = _open_db(
            chosen, cache_dir, quiet, err, offline=offline, skip_update=skip_db_update, db=db
        )
        options = ScanOptions(
            scanners=chosen,
            advisories=advisories,
            policy=policy,
            inventory=list_packages,
            settings=cfg.settings,
            limits=cfg.limits,
            cache_dir=cache_dir,
        )
        result = scan(tgt, options, progress=sink)
    write_reports(result, outputs, report_options)
    verdict = result.verdict
    # The gate's reasons come last, on stderr, after every report is written.
    print_verdict(err, verdict, policy, quiet=quiet)
    if verdict is not None and not verdict.passed:
        return policy.exit_code
    return 0


def _open_db(
    scanners: tuple[str, ...],
    cache_dir: Path | None,
    quiet: bool,
    err: Console,
    *,
    offline: bool = False,
    skip_update: bool = False,
    db: Path | None = None,
) -> object | None:
    if "vuln" not in scanners:
        return None
    from bastion.vulndb.base import DbError
    from bastion.vulndb.open import open_for_scan

    try:
        return open_for_scan(
            cache_dir=cache_dir, quiet=quiet, console=err, offline=offline, skip_update=skip_update, db=db
        )
    except DbError as exc:
        if not quiet:
            err.print(f"[yellow]notice:[/] {exc.diagnostics()}; vulnerability scanning skipped")
        return None


__all__ = ["app", "scan_command", "sys"]
