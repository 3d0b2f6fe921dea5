"""``bastion vex export`` — write an OpenVEX document from the active waivers.

Waivers come from ``--config``/a discovered bastion.yaml and any ``--waivers`` files. Each active
waiver with a vulnerability id becomes a ``not_affected`` statement (docs/policy.md, "VEX").
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from bastion.config import PolicyOverrides, resolve
from bastion.policy.vex import export_openvex

app = typer.Typer(help="VEX documents: export waivers as OpenVEX.", no_args_is_help=True)


@app.command("export")
def export_command(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", help="bastion.yaml to read waivers from (default: ./bastion.yaml)."),
    ] = None,
    waivers: Annotated[
        list[Path] | None, typer.Option("--waivers", help="Extra waiver file (repeatable).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
    product: Annotated[
        list[str] | None,
        typer.Option("--product", help="Product purl/IRI for waivers without a package purl (repeatable)."),
    ] = None,
    author: Annotated[str, typer.Option("--author", help="The document's author.")] = "bastion",
    doc_id: Annotated[
        str | None, typer.Option("--id", help="The document's @id IRI (default: derived from content).")
    ] = None,
) -> int:
    """Write OpenVEX 0.2.0 statements (not_affected) for every active vulnerability waiver."""
    err = Console(stderr=True, highlight=False)
    cfg = resolve(
        config_path=config,
        target=None,
        kind=None,
        overrides=PolicyOverrides(waiver_files=tuple(waivers or ())),
    )
    doc, notes = export_openvex(
        cfg.policy.waivers, now=datetime.now(UTC), author=author, products=tuple(product or ()), doc_id=doc_id
    )
    for note in notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {len(doc['statements'])} statement(s) to {escape(str(output))}")
    return 0
