"""Specs published as YAML are read like JSON by every pipeline step, and adopting one says it was converted."""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date
from pathlib import Path

import check_drift
import pytest
import spec_changelog
import update_spec
from ruamel.yaml import YAML
from spec_tools import load_spec, parse_document

from .helpers import FIXTURE_SPEC, Layout, Spec, set_range

ALL_OPS = ("createLCMGeneration", "performInstantRefine", "performInpaintingLCM", "performAlchemyUpscaleLCM")
UPSTREAM = "https://raw.githubusercontent.example.test/leonardo-ai/main/openapi/realtime-canvas.yml"


def to_yaml(spec: Spec) -> bytes:
    """``spec`` as YAML in its own key order, the way upstream publishes it."""
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    # Keep the document's key order, as upstream does (ruamel.yaml annotates this setting as None only).
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.dump(spec, out)
    return out.getvalue().encode()


def write_yaml(path: Path, spec: Spec) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_yaml(spec))
    return path


def test_a_yaml_copy_loads_to_the_same_document(tmp_path: Path, fixture_spec: Spec) -> None:
    yml = write_yaml(tmp_path / "spec.yml", fixture_spec)
    assert not yml.read_bytes().lstrip().startswith(b"{")
    assert load_spec(yml) == fixture_spec


def test_yaml_only_shapes_become_what_json_holds() -> None:
    """Unquoted response codes are integers in YAML and dates are dates: both become JSON text."""
    text = b"openapi: 3.0.0\ninfo: {title: t, version: 2026-11-30}\npaths:\n  /x:\n    get:\n      responses:\n"
    text += b"        200: {description: ok}\n"
    data, fmt = parse_document(text, "x.yml")
    assert fmt == "yaml"
    assert data["paths"]["/x"]["get"]["responses"] == {"200": {"description": "ok"}}
    assert data["info"]["version"] == "2026-11-30"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"openapi: [3.0\n", "x.yml: not JSON or YAML: "),
        (b"a: 1\na: 2\n", 'found duplicate key "a"'),
        (b'{"openapi": ', "x.yml: not JSON: "),
        (b"\xff\xfe", "x.yml: not JSON or YAML (not UTF-8 text"),
    ],
)
def test_unreadable_documents_name_the_file_and_the_fault(content: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=r"x\.yml") as info:
        parse_document(content, "x.yml")
    assert message in str(info.value)


def test_the_changelog_compares_a_yaml_spec_with_a_json_one(
    tmp_path: Path, fixture_spec: Spec, capsys: pytest.CaptureFixture[str]
) -> None:
    old = tmp_path / "old.json"
    old.write_text(json.dumps(fixture_spec), encoding="utf-8")
    new_spec = json.loads(json.dumps(fixture_spec))
    set_range(new_spec, "/generations-lcm", "steps", "between 4 and 16", "between 4 and 12")
    new = write_yaml(tmp_path / "new.yaml", new_spec)
    assert spec_changelog.main([str(old), str(new), "--fail-on-breaking"]) == 1
    out = capsys.readouterr().out
    assert "BREAKING      request steps" in out
    assert "range 4 to 16 → 4 to 12 (narrowed: maximum lowered)" in out


def test_the_changelog_says_which_spec_it_cannot_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"openapi: [\n")
    assert spec_changelog.main([str(bad), str(bad)]) == 2
    assert f"spec_changelog: cannot read the spec: {bad}: not JSON or YAML" in capsys.readouterr().err


def test_update_spec_from_a_yaml_copy_of_the_spec_changes_no_operation_and_leaves_drift_clean(
    fixture_tree: Path, tmp_path: Path, fixture_spec: Spec, capsys: pytest.CaptureFixture[str]
) -> None:
    """The issue's acceptance case: the vendored spec converted to YAML in the test, then adopted."""
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    yml = write_yaml(tmp_path / "incoming" / "realtime-canvas.yml", fixture_spec)
    assert update_spec.main([str(yml), "--source", UPSTREAM, *layout.args()]) == 0
    out = capsys.readouterr().out
    assert "converted to JSON, is byte-identical to" in out
    result = update_spec.update_spec(str(yml), upstream=UPSTREAM, **layout.paths())
    assert result.changelog.unchanged == ALL_OPS
    assert result.changelog.is_empty
    assert check_drift.check(layout.spec, layout.generated, layout.provenance) == []


def test_adopting_a_changed_yaml_spec_vendors_json_and_records_the_conversion_and_the_upstream_url(
    fixture_tree: Path, tmp_path: Path, fixture_spec: Spec
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    new_spec = json.loads(json.dumps(fixture_spec))
    new_spec["info"]["description"] += " Now also published as YAML."
    yml = write_yaml(tmp_path / "tmp-download" / "spec.yml", new_spec)
    result = update_spec.update_spec(str(yml), upstream=UPSTREAM, today=date(2031, 1, 2), **layout.paths())
    assert result.adopted
    assert result.converted
    assert result.changelog.unchanged == ALL_OPS  # info.description is outside the operations
    assert [o.where for o in result.changelog.outside] == ["info.description"]
    vendored = layout.spec.read_bytes()
    assert json.loads(vendored) == new_spec  # JSON, the same data
    record = json.loads(layout.provenance.read_text(encoding="utf-8"))
    assert record["vendored_from"] == UPSTREAM  # not the temporary download path
    assert record["upstream"] == {"url": UPSTREAM}
    assert record["sha256"] == hashlib.sha256(vendored).hexdigest()
    assert record["converted"]["from"] == "YAML"
    assert record["converted"]["source_sha256"] == hashlib.sha256(yml.read_bytes()).hexdigest()
    assert record["converted"]["source_bytes"] == len(yml.read_bytes())
    assert record["note"].startswith("Converted from YAML")
    assert "tmp-download" not in json.dumps(record)
    assert check_drift.check(layout.spec, layout.generated, layout.provenance) == []


def test_adopting_json_again_drops_a_stale_conversion_record() -> None:
    old = {"converted": {"from": "YAML"}, "upstream": {"url": UPSTREAM}, "file": "spec.json"}
    record = update_spec.new_provenance(
        old, source="/tmp/spec.json", spec_name="spec.json", data=b"{}", today=date(2031, 1, 1), old_sha256=None
    )
    assert "converted" not in record
    assert "upstream" not in record
    assert record["note"].startswith("Byte-identical to vendored_from")


def test_check_drift_reads_a_yaml_spec(tmp_path: Path, fixture_spec: Spec, fixture_tree: Path) -> None:
    """The issue's example: ``check_drift.py --spec x.yml`` said "cannot read the spec"; now it compares."""
    yml = write_yaml(tmp_path / "spec.yml", fixture_spec)
    json_sha = hashlib.sha256(FIXTURE_SPEC.read_bytes()).hexdigest()
    provenance = tmp_path / "PROVENANCE.json"
    provenance.write_text(json.dumps({"sha256": json_sha}), encoding="utf-8")
    yml_sha = hashlib.sha256(yml.read_bytes()).hexdigest()
    assert check_drift.check(yml, fixture_tree, provenance) == [
        f"spec hash: spec.yml is {yml_sha}, PROVENANCE.json records {json_sha}",
        f"changed: {fixture_tree}/constraints.py",  # the same table, but it records the YAML bytes' hash
    ]


# YAML 1.1 habits that YAML 1.2 reads otherwise (found in the later trial of issue 12): each is refused where it is
# read, naming the place and the value, instead of a table that says nullable while the generated model does not.
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "guidance: {nullable: true,",
            "guidance: {nullable: no,",
            "/properties/guidance/nullable must be true or false, got 'no'",
        ),
        (
            "strength: {nullable: true,",
            "strength: {nullable: off,",
            "/properties/strength/nullable must be true or false, got 'off'",
        ),
        ("  version: v1.0.0", "  version: 3.10", "/info/version must be text, got 3.1"),
        ("openapi: 3.0.0", "openapi: 3.0", "/openapi must be text, got the number 3.0"),
    ],
)
def test_yaml_1_1_booleans_and_bare_versions_are_refused_naming_the_place(
    tmp_path: Path, fixture_spec: Spec, old: str, new: str, message: str
) -> None:
    text = to_yaml(fixture_spec).decode()
    assert old in text
    path = tmp_path / "spec.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ValueError, match=r"YAML 1\.2") as info:
        load_spec(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_a_json_key_written_twice_is_refused_as_yaml_refuses_it() -> None:
    data = FIXTURE_SPEC.read_bytes().replace(b'"openapi": "3.0.0"', b'"openapi": "3.0.0", "openapi": "3.1.0"', 1)
    with pytest.raises(ValueError, match="the key 'openapi' appears twice"):
        parse_document(data, "spec.json")
    yaml_twice = b"openapi: 3.0.0\nopenapi: 3.1.0\npaths: {}\n"
    with pytest.raises(ValueError, match="duplicate key"):
        parse_document(yaml_twice, "spec.yml")
