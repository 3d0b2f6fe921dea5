"""``bastion`` — the console entry point and the single error boundary of the CLI.

Exit codes (docs/cli.md): 0 scan done and gate passed (or no gate); 1 the policy gate failed (or the
``--exit-code`` value); 2 bad usage, bad configuration or an unreadable target; 3 internal error;
130 interrupted.
"""

from __future__ import annotations

import logging
import os
import sys

import click
import typer
from rich.console import Console

from bastion import __version__
from bastion.cli.commands import scan as scan_cmd
from bastion.errors import BastionError

# Typer >= 0.20 vendors its own copy of click; catch both families of exceptions.
_typer_click = getattr(typer, "_click", None)
_CLICK_EXCEPTIONS: tuple[type[Exception], ...] = tuple(
    {
        click.ClickException,
        getattr(getattr(_typer_click, "exceptions", None), "ClickException", click.ClickException),
    }
)
_EXIT_EXCEPTIONS: tuple[type[BaseException], ...] = tuple({click.exceptions.Exit, typer.Exit})
_ABORT_EXCEPTIONS: tuple[type[BaseException], ...] = tuple({click.exceptions.Abort, typer.Abort})

EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="bastion",
    help="Scan container images, filesystems, repositories and SBOMs for vulnerabilities, secrets, malware and misconfigurations.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("scan", no_args_is_help=True, help="Scan a target: image, fs, repo, sbom or config.")(
    scan_cmd.scan_command
)
app.add_typer(__import__("bastion.cli.commands.vex", fromlist=["app"]).app, name="vex")
app.command("sbom")(__import__("bastion.cli.commands.sbom", fromlist=["_"]).sbom_command)
app.add_typer(__import__("bastion.cli.commands.db", fromlist=["app"]).app, name="db")
app.add_typer(__import__("bastion.cli.commands.secrets", fromlist=["app"]).app, name="secrets")


@app.command("version")
def version_cmd() -> None:
    """Print bastion's version and the vulnerability database's."""
    out = Console()
    out.print(f"bastion {__version__}")
    try:
        from bastion.vulndb.status import describe_db
    except ImportError:
        out.print("vulnerability db: not available in this build")
        return
    out.print(describe_db())


def _stderr() -> Console:
    return Console(stderr=True, no_color=bool(os.environ.get("NO_COLOR")), highlight=False)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the process exit code."""
    logging.basicConfig(
        level=os.environ.get("BASTION_LOG", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if callable(reconfigure):  # file names that are not UTF-8 must not crash a report
            reconfigure(errors="backslashreplace")
    try:
        rv = app(args=argv, standalone_mode=False)
        code = rv if isinstance(rv, int) else EXIT_OK
    except BastionError as exc:
        _stderr().print(f"[bold red]error:[/] {exc.diagnostics()}", markup=True, soft_wrap=True)
        code = exc.exit_code
    except _EXIT_EXCEPTIONS as exc:
        code = int(getattr(exc, "exit_code", EXIT_OK))
    except _CLICK_EXCEPTIONS as exc:
        exc.show()  # type: ignore[attr-defined]
        code = int(getattr(exc, "exit_code", EXIT_USAGE))
    except _ABORT_EXCEPTIONS:
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        _stderr().print("interrupted")
        code = EXIT_INTERRUPTED
    except Exception:  # the boundary: anything else is a bug, reported as such
        logging.getLogger("bastion").exception("internal error")
        _stderr().print(
            "[bold red]internal error[/] (a bug in bastion; the traceback is above). Please report it."
        )
        code = EXIT_INTERNAL
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":  # pragma: no cover
    main()
