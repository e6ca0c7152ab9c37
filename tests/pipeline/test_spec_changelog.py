"""scripts/spec_changelog.py: what a client user would notice, and whether it breaks them (pure, no generation)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import spec_changelog
from hypothesis import given, settings
from hypothesis import strategies as st
from spec_changelog import Change, Changelog, diff

from .helpers import Spec, request_props, response_job, set_range, write_spec

Mutate = Callable[[Callable[[Spec], None]], Spec]
GEN = "/generations-lcm"
UPSCALE = "/lcm-upscale"
ALL_OPS = ("createLCMGeneration", "performInstantRefine", "performInpaintingLCM", "performAlchemyUpscaleLCM")


def only(log: Changelog, op_id: str) -> list[Change]:
    (op,) = (o for o in log.operations if o.operation_id == op_id)
    return list(op.changes)


def one(log: Changelog, op_id: str) -> Change:
    changes = only(log, op_id)
    assert len(changes) == 1, changes
    return changes[0]


def test_identical_specs_have_no_changes_and_every_operation_unchanged(fixture_spec: Spec) -> None:
    log = diff(fixture_spec, copy.deepcopy(fixture_spec))
    assert log.unchanged == ALL_OPS
    assert log.is_empty
    assert not log.breaking
    assert "createLCMGeneration (POST /generations-lcm): unchanged" in spec_changelog.render(log)


def test_diff_is_pure(fixture_spec: Spec, mutated: Mutate) -> None:
    new = mutated(lambda s: s["components"]["schemas"]["lcm_generation_style"]["enum"].append("WATERCOLOR"))
    before_old, before_new = json.dumps(fixture_spec), json.dumps(new)
    diff(fixture_spec, new)
    assert (json.dumps(fixture_spec), json.dumps(new)) == (before_old, before_new)


def test_narrowed_request_range_is_breaking_and_names_both_ranges(fixture_spec: Spec, mutated: Mutate) -> None:
    log = diff(fixture_spec, mutated(lambda s: set_range(s, GEN, "guidance", "0.5 and 20", "1 and 20")))
    change = one(log, "createLCMGeneration")
    assert (change.where, change.kind, change.breaking) == ("request guidance", "range", True)
    assert change.detail == "range 0.5 to 20 → 1 to 20 (narrowed: minimum raised)"
    assert log.unchanged == ALL_OPS[1:]


def test_widened_request_range_is_not_breaking(fixture_spec: Spec, mutated: Mutate) -> None:
    log = diff(fixture_spec, mutated(lambda s: set_range(s, GEN, "steps", "between 4 and 16", "between 2 and 32")))
    change = one(log, "createLCMGeneration")
    assert (change.kind, change.breaking) == ("range", False)
    assert "widened: minimum lowered, maximum raised" in change.detail


def test_moved_request_range_is_breaking(fixture_spec: Spec, mutated: Mutate) -> None:
    log = diff(fixture_spec, mutated(lambda s: set_range(s, UPSCALE, "refineStrength", "0.5 and 0.9", "0.3 and 0.8")))
    change = one(log, "performAlchemyUpscaleLCM")
    assert change.breaking
    assert "moved: minimum lowered, maximum lowered" in change.detail


@settings(max_examples=60, deadline=None)
@given(
    old=st.tuples(st.integers(0, 20), st.integers(0, 20)).map(sorted),
    new=st.tuples(st.integers(0, 20), st.integers(0, 20)).map(sorted),
)
def test_request_range_is_breaking_exactly_when_an_old_value_is_no_longer_accepted(
    fixture_spec: Spec, old: list[int], new: list[int]
) -> None:
    def with_steps(lo: int, hi: int) -> Spec:
        spec = copy.deepcopy(fixture_spec)
        set_range(spec, GEN, "steps", "between 4 and 16", f"between {lo} and {hi}")
        return spec

    changes = only(diff(with_steps(*old), with_steps(*new)), "createLCMGeneration")
    if old == new:
        assert changes == []
    else:
        (change,) = changes
        lost_a_value = new[0] > old[0] or new[1] < old[1]
        assert change.breaking is lost_a_value


@settings(max_examples=60, deadline=None)
@given(
    old=st.tuples(st.integers(0, 20), st.integers(0, 20)).map(sorted),
    new=st.tuples(st.integers(0, 20), st.integers(0, 20)).map(sorted),
)
def test_response_range_is_breaking_exactly_when_a_new_value_can_arrive(
    fixture_spec: Spec, old: list[int], new: list[int]
) -> None:
    def with_cost_range(lo: int, hi: int) -> Spec:
        spec = copy.deepcopy(fixture_spec)
        spec["components"]["schemas"]["apiCreditCost"].update(minimum=lo, maximum=hi)
        return spec

    changes = only(diff(with_cost_range(*old), with_cost_range(*new)), "createLCMGeneration")
    if old == new:
        assert changes == []
    else:
        (change,) = changes
        assert change.where == "response 200 lcmGenerationJob.apiCreditCost"
        assert change.breaking is (new[0] < old[0] or new[1] > old[1])


def test_enum_value_added_is_fine_in_a_request_and_breaking_in_a_response(fixture_spec: Spec, mutated: Mutate) -> None:
    def add_values(s: Spec) -> None:
        s["components"]["schemas"]["lcm_generation_style"]["enum"].append("WATERCOLOR")
        s["components"]["schemas"]["cost"]["properties"]["unit"]["enum"].append("EUROS")

    log = diff(fixture_spec, mutated(add_values))
    for op_id in ALL_OPS:  # both components are shared by the four operations
        request, response = only(log, op_id)
        assert (request.where, request.kind, request.breaking) == ("request style", "enum-added", False)
        assert request.detail == 'enum value added: "WATERCOLOR"'
        assert (response.where, response.kind, response.breaking) == (
            "response 200 lcmGenerationJob.cost.unit",
            "enum-added",
            True,
        )


def test_enum_value_removed_is_breaking_in_a_request_and_fine_in_a_response(
    fixture_spec: Spec, mutated: Mutate
) -> None:
    def remove_values(s: Spec) -> None:
        s["components"]["schemas"]["lcm_generation_style"]["enum"].remove("SKETCH_BW")
        s["components"]["schemas"]["cost"]["properties"]["unit"]["enum"].remove("CREDITS")

    request, response = only(diff(fixture_spec, mutated(remove_values)), "performInstantRefine")
    assert (request.kind, request.breaking, request.detail) == (
        "enum-value-removed",
        True,
        'enum value removed: "SKETCH_BW"',
    )
    assert (response.kind, response.breaking) == ("enum-value-removed", False)


def test_documented_choices_follow_the_enum_rules(fixture_spec: Spec, mutated: Mutate) -> None:
    def choices(s: Spec) -> None:
        props = request_props(s, GEN)
        props["width"]["description"] = "The output width of the image. Must be 512, 640, 768 or 1024."
        props["height"]["description"] = "The output width of the image. Must be 512 or 1024."

    width, height = only(diff(fixture_spec, mutated(choices)), "createLCMGeneration")
    assert (width.where, width.kind, width.breaking, width.detail) == (
        "request width",
        "choices-added",
        False,
        "choices value added: 768",
    )
    assert (height.where, height.kind, height.breaking) == ("request height", "choices-value-removed", True)


def test_request_fields_added_and_removed(fixture_spec: Spec, mutated: Mutate) -> None:
    def fields(s: Spec) -> None:
        props = request_props(s, GEN)
        props["negativePrompt"] = {"type": "string", "nullable": True}
        props["tiling"] = {"type": "boolean"}
        s["paths"][GEN]["post"]["requestBody"]["content"]["application/json"]["schema"]["required"].append("tiling")
        del props["seed"]

    changes = {c.where: c for c in only(diff(fixture_spec, mutated(fields)), "createLCMGeneration")}
    assert set(changes) == {"request negativePrompt", "request tiling", "request seed"}
    assert (changes["request negativePrompt"].kind, changes["request negativePrompt"].breaking) == (
        "field-added",
        False,
    )
    assert (changes["request tiling"].kind, changes["request tiling"].breaking) == ("field-added", True)
    assert changes["request tiling"].detail == "field added (boolean, required)"
    assert (changes["request seed"].kind, changes["request seed"].breaking) == ("field-removed", True)


def test_response_fields_added_and_removed(fixture_spec: Spec, mutated: Mutate) -> None:
    def fields(s: Spec) -> None:
        job = response_job(s, UPSCALE)
        del job["properties"]["generatedImageId"]
        job["properties"]["nsfw"] = {"type": "boolean"}

    changes = {c.where: c for c in only(diff(fixture_spec, mutated(fields)), "performAlchemyUpscaleLCM")}
    removed = changes["response 200 lcmGenerationJob.generatedImageId"]
    added = changes["response 200 lcmGenerationJob.nsfw"]
    assert (removed.kind, removed.breaking) == ("field-removed", True)
    assert (added.kind, added.breaking) == ("field-added", False)
    assert len(changes) == 2


def test_required_nullable_and_type_follow_the_direction(fixture_spec: Spec, mutated: Mutate) -> None:
    def flips(s: Spec) -> None:
        body = s["paths"][GEN]["post"]["requestBody"]["content"]["application/json"]["schema"]
        body["required"] = ["imageDataUrl", "prompt", "strength"]  # optional -> required: breaking
        body["properties"]["guidance"]["nullable"] = False  # request: null no longer accepted
        body["properties"]["steps"]["type"] = "number"  # request integer -> number: widening
        job = response_job(s, GEN)
        job["required"] = ["imageDataUrl"]  # response optional -> required: fine
        job["properties"]["imageDataUrl"]["nullable"] = True  # response: null may arrive

    changes = {(c.where, c.kind): c.breaking for c in only(diff(fixture_spec, mutated(flips)), "createLCMGeneration")}
    assert changes == {
        ("request strength", "required"): True,
        ("request guidance", "nullable"): True,
        ("request steps", "type"): False,
        ("response 200 lcmGenerationJob.imageDataUrl", "required"): False,
        ("response 200 lcmGenerationJob.imageDataUrl", "nullable"): True,
    }
    reverse = {(c.where, c.kind): c.breaking for c in only(diff(mutated(flips), fixture_spec), "createLCMGeneration")}
    assert reverse == {
        ("request strength", "required"): False,
        ("request guidance", "nullable"): False,
        ("request steps", "type"): True,
        ("response 200 lcmGenerationJob.imageDataUrl", "required"): True,
        ("response 200 lcmGenerationJob.imageDataUrl", "nullable"): False,
    }


def test_changed_default_is_breaking_for_callers_that_omit_the_field(fixture_spec: Spec, mutated: Mutate) -> None:
    change = one(
        diff(fixture_spec, mutated(lambda s: request_props(s, GEN)["width"].update(default=1024))),
        "createLCMGeneration",
    )
    assert (change.where, change.kind, change.breaking, change.detail) == (
        "request width",
        "default",
        True,
        "default 512 → 1024",
    )


def test_a_limit_the_pipeline_cannot_read_is_flagged(fixture_spec: Spec, mutated: Mutate) -> None:
    log = diff(
        fixture_spec,
        mutated(lambda s: request_props(s, GEN)["prompt"].update(description="Must be 1000 tokens long or shorter.")),
    )
    change = one(log, "createLCMGeneration")
    assert (change.kind, change.breaking) == ("unreadable-limit", True)


def test_operations_added_removed_renamed_and_moved(fixture_spec: Spec, mutated: Mutate) -> None:
    def reshape(s: Spec) -> None:
        paths = s["paths"]
        paths["/lcm-outpainting"] = copy.deepcopy(paths["/lcm-inpainting"])
        paths["/lcm-outpainting"]["post"]["operationId"] = "performOutpaintingLCM"
        del paths["/lcm-upscale"]
        paths["/lcm-instant-refine"]["post"]["operationId"] = "performInstantRefineLCM"
        paths["/generations-lcm-v2"] = paths.pop(GEN)

    log = diff(fixture_spec, mutated(reshape))
    status = {op.operation_id: (op.status, op.breaking) for op in log.operations}
    assert status == {
        "createLCMGeneration": ("changed", True),
        "performInstantRefineLCM": ("renamed", True),
        "performInpaintingLCM": ("unchanged", False),
        "performOutpaintingLCM": ("added", False),
        "performAlchemyUpscaleLCM": ("removed", True),
    }
    moved = one(log, "createLCMGeneration")
    assert (moved.kind, moved.detail) == ("moved", "POST /generations-lcm → POST /generations-lcm-v2")
    renamed = next(op for op in log.operations if op.status == "renamed")
    assert renamed.previous_id == "performInstantRefine"


def test_outside_changes_are_listed_separately_and_operations_stay_unchanged(
    fixture_spec: Spec, mutated: Mutate
) -> None:
    def outside(s: Spec) -> None:
        s["info"]["version"] = "v1.1.0"
        s["tags"].append({"name": "Extra"})
        s["components"]["schemas"]["Blueprint"]["description"] = "changed"
        s["components"]["schemas"]["NewUnused"] = {"type": "string"}
        del s["components"]["schemas"]["Cursor"]

    log = diff(fixture_spec, mutated(outside))
    assert log.unchanged == ALL_OPS
    assert not log.breaking
    outside_changes = {o.where: o.detail for o in log.outside}
    assert outside_changes == {
        "info.version": '"v1.0.0" → "v1.1.0"',
        "tags": '[{"name": "Realtime Canvas"}] → [{"name": "Realtime Canvas"}, {"name": "Extra"}]',
        "components/schemas/Blueprint": "changed (description), not used by any operation",
        "components/schemas/NewUnused": "added, not used by any operation",
        "components/schemas/Cursor": "removed, was not used by any operation",
    }


def test_server_change_points_at_the_default_base_url(fixture_spec: Spec, mutated: Mutate) -> None:
    log = diff(fixture_spec, mutated(lambda s: s["servers"][0].update(url="https://api.example.test/v2")))
    (change,) = log.outside
    assert change.where == "servers[0].url"
    assert "DEFAULT_BASE_URL" in change.detail


def test_an_example_only_change_is_reported_not_hidden(fixture_spec: Spec, mutated: Mutate) -> None:
    def example(s: Spec) -> None:
        s["paths"][GEN]["post"]["responses"]["200"]["content"]["application/json"]["example"] = {}

    log = diff(fixture_spec, mutated(example))
    change = one(log, "createLCMGeneration")
    assert (change.kind, change.breaking) == ("other", False)
    assert "responses.200.content.application/json.example" in change.detail


def test_authentication_change_is_breaking(fixture_spec: Spec, mutated: Mutate) -> None:
    def auth(s: Spec) -> None:
        s["components"]["securitySchemes"]["bearerAuth"] = {"type": "apiKey", "in": "header", "name": "X-Api-Key"}

    log = diff(fixture_spec, mutated(auth))
    assert all(one(log, op).kind == "security" and one(log, op).breaking for op in ALL_OPS)


def test_render_and_json_carry_the_classification(fixture_spec: Spec, mutated: Mutate) -> None:
    def change(s: Spec) -> None:
        set_range(s, GEN, "guidance", "0.5 and 20", "1 and 20")
        s["components"]["schemas"]["lcm_generation_style"]["enum"].append("WATERCOLOR")

    log = diff(fixture_spec, mutated(change))
    text = spec_changelog.render(log, old_label="a", new_label="b")
    assert text.startswith("API changelog: a → b\n  5 change(s) to operations, 1 BREAKING; 4 changed;")
    lines = text.splitlines()
    assert any(line.strip().startswith("BREAKING") and "request guidance" in line for line in lines)
    assert sum(line.strip().startswith("non-breaking") and "WATERCOLOR" in line for line in lines) == 4
    data = spec_changelog.as_dict(log)
    assert json.loads(json.dumps(data)) == data
    assert data["breaking"] is True


def test_cli_json_and_fail_on_breaking(
    fixture_spec: Spec, mutated: Mutate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = write_spec(tmp_path / "old.json", fixture_spec)
    new = write_spec(tmp_path / "new.json", mutated(lambda s: set_range(s, GEN, "guidance", "0.5 and 20", "1 and 20")))
    assert spec_changelog.main([str(old), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["operations"][0]["changes"][0]["where"] == "request guidance"
    assert spec_changelog.main([str(old), str(new), "--fail-on-breaking"]) == 1
    assert "BREAKING" in capsys.readouterr().out
    assert spec_changelog.main([str(old), str(old), "--fail-on-breaking"]) == 0


def test_a_required_path_level_parameter_is_breaking_and_fails_the_cli(
    fixture_spec: Spec, mutated: Mutate, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's example: declared on the path item, not the operation, it used to give "unchanged" and exit 0."""

    def add(s: Spec) -> None:
        s["paths"][UPSCALE]["parameters"] = [
            {"name": "team", "in": "query", "required": True, "schema": {"type": "string"}}
        ]

    new = mutated(add)
    change = one(diff(fixture_spec, new), "performAlchemyUpscaleLCM")
    assert (change.where, change.kind, change.detail, change.breaking) == (
        "request query parameter team",
        "parameter-added",
        "parameter added (required)",
        True,
    )
    old_path = write_spec(tmp_path / "old.json", fixture_spec)
    new_path = write_spec(tmp_path / "new.json", new)
    assert spec_changelog.main([str(old_path), str(new_path), "--fail-on-breaking"]) == 1
    assert "BREAKING      request query parameter team  parameter added (required)" in capsys.readouterr().out


def test_a_changed_body_title_is_breaking(fixture_spec: Spec, mutated: Mutate) -> None:
    """The issue's example: the title names the generated body class, so a new one renames it."""

    def retitle(s: Spec) -> None:
        s["paths"][GEN]["post"]["requestBody"]["content"]["application/json"]["schema"]["title"] = "LcmRequest"

    change = one(diff(fixture_spec, mutated(retitle)), "createLCMGeneration")
    assert (change.where, change.kind, change.breaking) == ("request (body)", "title", True)
