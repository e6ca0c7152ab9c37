"""The Agent Skill is generated from the CLI's command tree and the constraints table, and the copy
committed under skills/leonardo-realtime/ is exactly what ``leonardo-realtime skill export`` writes."""

from __future__ import annotations

import copy
import json
import re
import shlex
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from leonardo_realtime_client._cli import cli
from leonardo_realtime_client._cli._exit import EXIT_CODE_MEANINGS
from leonardo_realtime_client._cli._skill_render import SKILL_NAME, render_skill
from leonardo_realtime_client._generated.constraints import OPERATIONS

COMMITTED = Path(__file__).resolve().parents[2] / "skills" / SKILL_NAME
FIX = "make skill  (or: leonardo-realtime skill export skills/leonardo-realtime --overwrite)"


def _files(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _front_matter(text: str) -> dict[str, str]:
    match = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert match, "SKILL.md must start with YAML front matter"
    return dict(line.split(": ", 1) for line in match.group(1).splitlines())


def test_the_committed_skill_is_what_export_writes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["skill", "export", str(tmp_path / SKILL_NAME)])
    assert result.exit_code == 0, result.output
    exported, committed = _files(tmp_path / SKILL_NAME), _files(COMMITTED)
    missing, extra = sorted(set(exported) - set(committed)), sorted(set(committed) - set(exported))
    changed = sorted(name for name in set(exported) & set(committed) if exported[name] != committed[name])
    problems = {"missing": missing, "extra": extra, "changed": changed}
    assert problems == {"missing": [], "extra": [], "changed": []}, f"skill drift: {problems}; run {FIX}"


def test_the_drift_check_can_fail(tmp_path: Path) -> None:
    """The comparison above sees a changed, a missing and an extra file."""
    folder = tmp_path / SKILL_NAME
    CliRunner().invoke(cli, ["skill", "export", str(folder)])
    (folder / "SKILL.md").write_text("changed", encoding="utf-8")
    (folder / "reference" / "options.md").unlink()
    (folder / "extra.md").write_text("x", encoding="utf-8")
    assert _files(folder) != _files(COMMITTED)
    assert set(_files(folder)) ^ set(_files(COMMITTED)) == {"extra.md", "reference/options.md"}


def test_front_matter_names_the_skill_and_when_to_use_it() -> None:
    skill = render_skill(cli)["SKILL.md"]
    front = _front_matter(skill)
    assert front["name"] == SKILL_NAME == COMMITTED.name
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", front["name"])
    assert 0 < len(front["description"]) <= 1024
    assert "Use when" in front["description"]


def test_a_limit_changed_in_the_table_changes_the_skill() -> None:
    table = copy.deepcopy(OPERATIONS)
    for operation in table.values():
        operation["fields"]["guidance"]["maximum"] = 25.0
        operation["fields"]["steps"]["minimum"] = 2
        style = operation["fields"]["style"]
        assert style["enum"] is not None
        style["enum"] = (*style["enum"], "WATERCOLOUR")
    table["performAlchemyUpscaleLCM"]["fields"]["refineStrength"]["maximum"] = 0.95
    before, after = render_skill(cli)["SKILL.md"], render_skill(cli, table)["SKILL.md"]
    assert "| `--guidance` | a number from 0.5 to 20 |" in before
    assert "| `--guidance` | a number from 0.5 to 25 |" in after
    assert "from 0.5 to 20 " not in after
    assert "| `--steps` | an integer from 2 to 16 |" in after
    assert "| `--refine-strength` | a number from 0.5 to 0.95 | upscale |" in after
    assert "`WATERCOLOUR`" in after
    assert "WATERCOLOUR" not in before


def test_every_command_of_the_cli_is_in_the_skill() -> None:
    skill = render_skill(cli)["SKILL.md"]
    for name in cli.commands:
        assert f"| `{name}` |" in skill
    # A command added to the CLI shows up without touching the skill's code.
    group = copy.copy(cli)
    group.commands = dict(cli.commands)
    group.add_command(click.Command("sharpen", help="Sharpen an image (a command added later).", callback=None))
    assert "| Sharpen an image (a command added later) | `sharpen` |" in render_skill(group)["SKILL.md"]
    assert "leonardo-realtime sharpen" in render_skill(group)["reference/options.md"]


def test_exit_statuses_styles_masks_key_and_free_trials_are_in_the_body() -> None:
    skill = render_skill(cli)["SKILL.md"]
    for code, meaning in EXIT_CODE_MEANINGS.items():
        assert f"| {int(code)} | {meaning} |" in skill
    style_enum = OPERATIONS["createLCMGeneration"]["fields"]["style"]["enum"]
    assert style_enum is not None
    assert all(f"`{style}`" in skill for style in style_enum)
    for needle in ("--local", "--dry-run", "--json", "white on black", "image's size", "LEONARDO_API_KEY"):
        assert needle in skill


def test_export_does_not_replace_files_unless_asked(tmp_path: Path) -> None:
    folder = tmp_path / SKILL_NAME
    runner = CliRunner()
    assert runner.invoke(cli, ["skill", "export", str(folder)]).exit_code == 0
    (folder / "SKILL.md").write_text("mine", encoding="utf-8")
    refused = runner.invoke(cli, ["skill", "export", str(folder)])
    assert refused.exit_code == 2
    assert "exists" in refused.output
    assert (folder / "SKILL.md").read_text(encoding="utf-8") == "mine"
    assert runner.invoke(cli, ["skill", "export", str(folder), "--overwrite"]).exit_code == 0
    assert (folder / "SKILL.md").read_text(encoding="utf-8") == render_skill(cli)["SKILL.md"]


@pytest.mark.parametrize("name", ["skills", "my-skill"])
def test_export_notes_a_folder_named_unlike_the_skill(tmp_path: Path, name: str) -> None:
    result = CliRunner().invoke(cli, ["skill", "export", str(tmp_path / name)])
    assert result.exit_code == 0
    assert f"named {SKILL_NAME!r}" in result.output


# ------------------------------------------------------------------------------------------------------------------
# What the skill tells an agent to run works when run literally (issue 14: "would an agent succeed by following it")


def _section(skill: str, heading: str) -> str:
    start = skill.index(f"## {heading}")
    end = skill.find("\n## ", start + 1)
    return skill[start : end if end != -1 else None]


@pytest.fixture
def agent_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder holding the skill's example files, as the working directory, and no API key anywhere."""
    from PIL import Image

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEONARDO_API_KEY", raising=False)
    monkeypatch.delenv("LEONARDO_BASE_URL", raising=False)
    Image.new("RGB", (512, 512), "navy").save(tmp_path / "sketch.png")
    mask = Image.new("L", (512, 512), 0)
    mask.paste(255, (0, 0, 256, 512))
    mask.save(tmp_path / "mask.png")
    return tmp_path


def _examples(skill: str) -> dict[str, list[str]]:
    """The intent table's example command line of each of the four operations, split as a shell would."""
    found = {}
    for command, example in re.findall(r"\| `(\w+)` \| `(leonardo-realtime [^`]+)` \|", skill):
        words = shlex.split(example)
        if "--help" not in words:
            found[command] = words[1:]
    return found


def test_every_example_runs_as_written_with_local_and_dry_run(agent_folder: Path) -> None:
    skill = render_skill(cli)["SKILL.md"]
    examples = _examples(skill)
    assert set(examples) == {"generate", "refine", "inpaint", "upscale"}
    runner = CliRunner()
    free = _section(skill, "Try it first, for free")
    assert "`--dry-run --local`" in free
    for command, words in examples.items():
        # Without a key, a dry run alone is refused (the skill says so) and points at --local …
        refused = runner.invoke(cli, [*words, "--dry-run"])
        assert refused.exit_code == 2, (command, refused.output)
        assert "--local" in refused.output
        # … and the skill's advice, --dry-run --local, checks it for free; --local then runs it.
        tried = runner.invoke(cli, [*words, "--dry-run", "--local"])
        assert tried.exit_code == 0, (command, tried.output)
        ran = runner.invoke(cli, [*words, "--local"])
        assert ran.exit_code == 0, (command, ran.output)
        assert (agent_folder / "out" / f"sketch-{command}.jpg").is_file()


def _keys(document: object) -> set[str]:
    if isinstance(document, dict):
        return set(document) | {k for value in document.values() for k in _keys(value)}
    if isinstance(document, list):
        return {k for value in document for k in _keys(value)}
    return set()


def test_the_json_fields_the_skill_names_are_in_each_report(agent_folder: Path) -> None:
    bullets = [
        line
        for line in _section(render_skill(cli)["SKILL.md"], "Read results with `--json`").splitlines()
        if line.startswith("- ")
    ]
    run, refused, dry = bullets
    base = ["generate", "sketch.png", "-p", "a kite", "--local", "--json"]
    runner = CliRunner()
    statuses = {"ok", "failed", "skipped", "not_done", "pending"}
    for bullet, args, exit_code in [
        (run, [*base, "-o", "a/"], 0),
        (refused, [*base, "-o", "b/", "--guidance", "99", "--steps", "2"], 3),
        (dry, [*base, "-o", "c/", "--dry-run"], 0),
    ]:
        result = runner.invoke(cli, args)
        assert result.exit_code == exit_code, result.output
        document = json.loads(result.stdout)
        keys = _keys(document)
        named = set(re.findall(r"`(\w+)`", bullet)) - statuses
        assert named, bullet
        assert named <= keys, (bullet, named - keys)
        assert {"command", "ok", "exit_code"} <= set(document)
        assert ("items" in document) is (exit_code == 0)  # a refused call has no items, as the skill says
    unparsed = runner.invoke(cli, [*base, "--guidence", "3"])
    assert (unparsed.exit_code, unparsed.stdout) == (2, "")  # the exception the skill states
