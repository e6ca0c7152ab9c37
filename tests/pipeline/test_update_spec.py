"""scripts/update_spec.py on a temporary copy of the repository layout (the real openapi/ is never touched)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import check_drift
import httpx
import pytest
import update_spec
from spec_tools import GENERATED_DIR, PROVENANCE_PATH

from .helpers import FIXTURE_SPEC, Layout, Spec, request_props, set_range, write_spec

Mutate = Callable[[Callable[[Spec], None]], Spec]
GEN = "/generations-lcm"


def range_and_enum(spec: Spec) -> None:
    """The issue's scenario: one field's documented range changed, one enum value added."""
    set_range(spec, GEN, "guidance", "0.5 and 20", "1 and 20")
    spec["components"]["schemas"]["lcm_generation_style"]["enum"].append("WATERCOLOR")


@pytest.fixture(scope="module")
def adopted(
    fixture_tree: Path, tmp_path_factory: pytest.TempPathFactory, fixture_spec: Spec
) -> tuple[Layout, Path, str]:
    """One successful update of a temp layout to a spec with a narrowed range and a new enum value."""
    root = tmp_path_factory.mktemp("repo")
    layout = Layout.copy_of_repo(root, fixture_tree)
    spec = json.loads(json.dumps(fixture_spec))
    range_and_enum(spec)
    new = write_spec(root / "incoming" / "new-spec.json", spec)
    result = update_spec.update_spec(str(new), today=date(2031, 2, 3), **layout.paths())
    return layout, new, update_spec.report(result, **layout.paths())


def test_update_prints_the_two_changes_and_classifies_them(adopted: tuple[Layout, Path, str]) -> None:
    _, _, output = adopted
    lines = [line.split() for line in output.splitlines()]
    guidance = [line for line in lines if line[:3] == ["BREAKING", "request", "guidance"]]
    assert len(guidance) == 1
    assert " ".join(guidance[0][3:]).startswith("range 0.5 to 20 → 1 to 20 (narrowed: minimum raised)")
    style = [line for line in lines if line[:3] == ["non-breaking", "request", "style"]]
    assert len(style) == 4  # the enum is shared by the four operations
    assert all(" ".join(line[3:]).startswith('enum value added: "WATERCOLOR"') for line in style)
    assert "5 change(s) to operations, 1 BREAKING; 4 changed;" in output
    reported = [line for line in output.splitlines() if line.startswith(("  BREAKING ", "  non-breaking "))]
    assert len(reported) == 5  # nothing else is reported
    assert "Outside the operations: no changes" in output


def test_update_replaces_the_spec_byte_for_byte_and_records_provenance(adopted: tuple[Layout, Path, str]) -> None:
    layout, new, _ = adopted
    data = new.read_bytes()
    assert layout.spec.read_bytes() == data
    record = json.loads(layout.provenance.read_text(encoding="utf-8"))
    assert record["sha256"] == hashlib.sha256(data).hexdigest()
    assert record["bytes"] == len(data)
    assert record["vendored_from"] == str(new)
    assert record["vendored_on"] == "2031-02-03"
    assert record["previous_sha256"] == hashlib.sha256(FIXTURE_SPEC.read_bytes()).hexdigest()
    assert "upstream" not in record  # a local file: the old upstream no longer describes these bytes


def test_update_regenerates_the_tree_from_the_new_spec(adopted: tuple[Layout, Path, str], fixture_tree: Path) -> None:
    layout, new, output = adopted
    assert check_drift.check_spec_hash(layout.spec, layout.provenance) == []
    assert check_drift.compare_trees(fixture_tree, layout.generated) == [
        "changed: constraints.py",
        "changed: models/create_lcm_generation_body.py",  # guidance's docstring carries the range
        "changed: models/lcm_generation_style.py",
    ]
    constraints = (layout.generated / "constraints.py").read_text(encoding="utf-8")
    assert f'SPEC_SHA256: Final = "{hashlib.sha256(new.read_bytes()).hexdigest()}"' in constraints
    assert '"WATERCOLOR"' in constraints
    assert "changed: constraints.py" in output
    assert "changed: models/lcm_generation_style.py" in output


def test_identical_spec_is_a_no_op(fixture_tree: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    same = tmp_path / "same.json"
    shutil.copyfile(FIXTURE_SPEC, same)
    assert update_spec.main([str(same), *layout.args()]) == 0
    out = capsys.readouterr().out
    assert "byte-identical" in out
    assert "nothing to do" in out
    assert layout.snapshot() == before


def fake_generate(spec_path: Path, out: Path) -> str:
    """Stands in for generation where replacing or restoring is under test: the committed tree plus two edits."""
    shutil.copytree(GENERATED_DIR, out, ignore=shutil.ignore_patterns("__pycache__"))
    (out / "constraints.py").write_text("# new\n", encoding="utf-8")
    (out / "stray_new_file.py").write_text("# new\n", encoding="utf-8")
    return ""


def test_dry_run_reports_without_replacing(
    fixture_tree: Path,
    tmp_path: Path,
    mutated: Mutate,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    new = write_spec(tmp_path / "new.json", mutated(range_and_enum))
    monkeypatch.setattr(update_spec, "generate", fake_generate)
    monkeypatch.setattr(update_spec, "check_contract", lambda tree: [])  # the fake tree is not a working one
    assert update_spec.main([str(new), "--dry-run", *layout.args()]) == 0
    out = capsys.readouterr().out
    assert "would adopt (dry run, nothing replaced)" in out
    assert "generated, 2 file(s) differ\n    changed: constraints.py\n    added: stray_new_file.py\n" in out
    assert "request guidance" in out
    assert layout.snapshot() == before


def _break_generator(spec: Spec) -> None:
    # An allOf over a non-object in a response: openapi-python-client would silently drop the whole
    # 200 model of that operation; it warns, and --fail-on-warning turns that into a failure.
    timestamp = {"$ref": "#/components/schemas/timestamp"}
    job = spec["paths"]["/lcm-upscale"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    job["properties"]["lcmGenerationJob"]["properties"]["generatedImageId"] = {
        "allOf": [timestamp, {"nullable": False}]
    }


def _break_constraints(spec: Spec) -> None:
    request_props(spec, GEN)["prompt"]["description"] = "Must be 1000 tokens long or shorter."


@pytest.mark.parametrize(
    ("breaker", "message"),
    [
        (_break_generator, "response will be omitted from generated client"),
        (_break_constraints, "createLCMGeneration.prompt: a limit this pipeline cannot read"),
    ],
    ids=["generator-warns", "constraints-unreadable"],
)
def test_a_spec_that_does_not_generate_changes_nothing_and_shows_the_error(
    fixture_tree: Path,
    tmp_path: Path,
    mutated: Mutate,
    capsys: pytest.CaptureFixture[str],
    breaker: Callable[[Spec], None],
    message: str,
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    new = write_spec(tmp_path / "bad.json", mutated(breaker))
    assert update_spec.main([str(new), *layout.args()]) == 1
    err = capsys.readouterr().err
    assert "update-spec FAILED: the new spec does not generate" in err
    assert message in err
    assert "Nothing was replaced" in err
    assert "What the rejected spec would change" in err
    assert layout.snapshot() == before


def test_a_failure_while_installing_restores_spec_provenance_and_tree(
    fixture_tree: Path, tmp_path: Path, mutated: Mutate, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    new = write_spec(tmp_path / "new.json", mutated(range_and_enum))
    real_write = update_spec._atomic_write

    def failing_write(path: Path, data: bytes) -> None:
        if path == layout.provenance:
            raise OSError(28, "No space left on device")
        real_write(path, data)

    monkeypatch.setattr(update_spec, "generate", fake_generate)
    monkeypatch.setattr(update_spec, "check_contract", lambda tree: [])  # the fake tree is not a working one
    monkeypatch.setattr(update_spec, "_atomic_write", failing_write)
    with pytest.raises(OSError, match="No space left"):
        update_spec.update_spec(str(new), **layout.paths())
    assert layout.snapshot() == before


def test_refuses_the_vendored_spec_itself(fixture_tree: Path, tmp_path: Path) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    with pytest.raises(update_spec.UpdateError, match="is the vendored spec itself"):
        update_spec.update_spec(str(layout.spec), **layout.paths())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html><html>", "not JSON or YAML (a web page? use the raw file's URL)"),
        (b"[1, 2]", "a JSON list, expected an OpenAPI document"),
        (b'{"swagger": "2.0", "paths": {}}', "'openapi' is None, expected an OpenAPI 3.x version"),
        (b'{"openapi": "3.0.0", "paths": {}}', "no operations"),
        # YAML 1.1's yes, read as text by YAML 1.2: named in the file given, not in a temporary copy
        (
            b"openapi: 3.0.0\npaths:\n  /x:\n    parameters:\n    - {name: t, in: query, required: yes}\n",
            "/paths//x/parameters/0/required must be true or false (or a list), got 'yes'",
        ),
        (b'{"openapi": "3.0.0", "openapi": "3.1.0", "paths": {"/x": {}}}', "the key 'openapi' appears twice"),
    ],
)
def test_bad_input_is_rejected_with_a_clear_error(
    fixture_tree: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    with pytest.raises(update_spec.UpdateError, match=r"bad\.json: ") as info:
        update_spec.update_spec(str(bad), **layout.paths())
    assert message in str(info.value)
    assert layout.snapshot() == before


def test_missing_file_names_the_path() -> None:
    with pytest.raises(update_spec.UpdateError, match=r"/no/such/spec\.json: cannot read"):
        update_spec.fetch("/no/such/spec.json")


def test_fetch_follows_redirects_and_returns_the_exact_bytes() -> None:
    payload = FIXTURE_SPEC.read_bytes()
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.path == "/latest.json":
            return httpx.Response(302, headers={"Location": "https://specs.example.test/v2/spec.json"})
        return httpx.Response(200, content=payload, headers={"Content-Type": "application/json"})

    data = update_spec.fetch("https://specs.example.test/latest.json", transport=httpx.MockTransport(handler))
    assert data == payload
    assert seen == ["https://specs.example.test/latest.json", "https://specs.example.test/v2/spec.json"]


def test_fetch_reports_http_errors() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(404))
    with pytest.raises(update_spec.UpdateError, match=r"https://specs\.example\.test/x\.json: HTTP 404 Not Found"):
        update_spec.fetch("https://specs.example.test/x.json", transport=transport)


def test_unsupported_scheme_is_rejected() -> None:
    with pytest.raises(update_spec.UpdateError, match="unsupported URL scheme 'ftp'"):
        update_spec.fetch("ftp://example.test/spec.json")


def test_provenance_of_a_url_records_it_as_upstream() -> None:
    old = json.loads(PROVENANCE_PATH.read_text(encoding="utf-8"))
    data = b'{"openapi": "3.0.0"}'
    record = update_spec.new_provenance(
        old,
        source="https://specs.example.test/spec.json",
        spec_name="spec.json",
        data=data,
        today=date(2030, 1, 1),
        old_sha256="abc",
    )
    assert record["upstream"] == {"url": "https://specs.example.test/spec.json"}
    assert record["vendored_from"] == "https://specs.example.test/spec.json"
    assert (record["sha256"], record["bytes"]) == (hashlib.sha256(data).hexdigest(), len(data))
    assert (record["vendored_on"], record["previous_sha256"], record["file"]) == ("2030-01-01", "abc", "spec.json")
