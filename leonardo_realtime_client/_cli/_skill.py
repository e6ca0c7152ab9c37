"""``leonardo-realtime skill export DIR``: write the Agent Skill folder (``SKILL.md`` and its reference files)."""

from __future__ import annotations

from pathlib import Path

import click

from .._click import CONTEXT_SETTINGS
from ._skill_render import SKILL_NAME, render_skill

__all__ = ["skill_group"]


@click.group("skill", context_settings=CONTEXT_SETTINGS)
def skill_group() -> None:
    """The Agent Skill that teaches an AI agent to use this command (SKILL.md, generated from the CLI)."""


@skill_group.command("export", context_settings=CONTEXT_SETTINGS)
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace the skill's files if they exist.")
def export_command(directory: Path, overwrite: bool) -> None:
    """Write the skill folder DIRECTORY: SKILL.md and reference/. Install it where your agent looks for skills,
    such as ~/.claude/skills/leonardo-realtime (the folder's name should be the skill's name)."""
    from ._files import write_atomic  # here: `--help` does not need the file helpers

    root = click.get_current_context().find_root().command
    assert isinstance(root, click.Group)
    files = render_skill(root)
    targets = {directory / relative: text for relative, text in files.items()}
    existing = [path for path in targets if path.exists()]
    if existing and not overwrite:
        shown = ", ".join(str(path) for path in existing)
        raise click.UsageError(f"{shown}: exists (use --overwrite to replace)")
    for path, text in targets.items():
        try:
            write_atomic(path, text.encode("utf-8"), overwrite=overwrite)
        except OSError as exc:
            raise click.UsageError(f"cannot write {path}: {exc.strerror or exc}") from None
    if directory.name != SKILL_NAME:
        click.echo(f"note: agents expect the folder to be named {SKILL_NAME!r} (the skill's name)", err=True)
    for path in targets:
        click.echo(str(path))
