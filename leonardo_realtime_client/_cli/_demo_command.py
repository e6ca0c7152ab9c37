"""``leonardo-realtime demo``: the guided tour (``serve`` is the local server's own command, ``server/_command.py``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .._click import CONTEXT_SETTINGS
from .._defaults import ENV_API_KEY
from .._errors import LeonardoError
from ._env import CliEnv
from ._exit import exit_code_for

__all__ = ["demo_command"]


def _env() -> CliEnv:
    found = click.get_current_context().find_object(CliEnv)
    return found if found is not None else CliEnv()


@click.command("demo", context_settings=CONTEXT_SETTINGS)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the images (input, mask, the four outputs, a contact sheet).",
)
@click.option("--over-http", is_flag=True, help="Run the local server on 127.0.0.1 instead of in-process.")
@click.option("--real-api", is_flag=True, help=f"Call Leonardo.AI with ${ENV_API_KEY} instead (four paid calls).")
@click.option("--json", "json_output", is_flag=True, help="Print the results as JSON on standard output.")
def demo_command(output: Path, over_http: bool, real_api: bool, json_output: bool) -> None:
    """Generate, refine, inpaint and upscale a sample picture; print latency, size and cost of each.

    By default against the local server, in-process: no key, no network.
    """
    if over_http and real_api:
        raise click.UsageError("--over-http and --real-api exclude each other")
    import json  # here, as the redaction helpers (logging): `--help` needs neither

    from .._redaction import redact, redact_json

    secret = os.environ.get(ENV_API_KEY, "").strip() or None
    out_stream = sys.stderr if json_output else sys.stdout

    def echo(text: str) -> None:
        click.echo(redact(text, secret), file=out_stream)

    try:
        report = _env().demo(output, real_api=real_api, over_http=over_http, echo=echo)
    except LeonardoError as exc:
        code = exit_code_for(exc)
        click.echo(click.style("error: ", fg="red", bold=True) + redact(f"demo failed: {exc}", secret), file=sys.stderr)
        raise click.exceptions.Exit(int(code)) from None
    except ImportError as exc:
        raise click.UsageError(
            f"the demo needs the 'server' extra ({'Pillow' if exc.name == 'PIL' else exc.name} missing): "
            "pip install 'leonardo-realtime-client[server]'"
        ) from None
    if json_output:
        doc = {
            "target": report.target,
            "operations": [
                {
                    "operation": r.operation,
                    "latency_ms": round(r.latency_ms, 3),
                    "size": list(r.size),
                    "bytes": r.bytes,
                    "cost": None if r.cost is None else str(r.cost),
                    "cost_unit": r.cost_unit,
                    "path": str(r.path),
                }
                for r in report.rows
            ],
            "input": str(report.input_path),
            "mask": str(report.mask_path),
            "contact_sheet": str(report.contact_sheet),
        }
        click.echo(json.dumps(redact_json(doc, secret), indent=2))
    else:
        from .._demo import next_steps

        echo("")
        echo(next_steps(output, real_api=real_api))
