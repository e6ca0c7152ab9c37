"""Generation refuses to run with a generator or ruff other than the pinned ones, and says how to install them."""

from __future__ import annotations

from pathlib import Path

import check_drift
import generate
import pytest
import update_spec
from spec_tools import SPEC_PATH

from .helpers import FIXTURE_SPEC, Layout, tree_digest

PIP_FIX = "-m pip install 'openapi-python-client==0.29.1' 'ruff==0.17.6'"


def installed_as(monkeypatch: pytest.MonkeyPatch, **versions: str | None) -> None:
    """Pretend the given tools (``openapi_python_client="0.28.3"``) are installed in those versions."""
    real = generate.installed_version
    wanted = {name.replace("_", "-"): version for name, version in versions.items()}
    monkeypatch.setattr(generate, "installed_version", lambda name: wanted[name] if name in wanted else real(name))


def test_the_pins_are_read_from_the_dev_extra() -> None:
    assert generate.pinned_versions() == {"openapi-python-client": "0.29.1", "ruff": "0.17.6"}


def test_the_installed_tools_are_the_pinned_ones() -> None:
    generate.check_tools()  # the environment `make install` builds


@pytest.mark.parametrize(
    ("versions", "named"),
    [
        (
            {"openapi_python_client": "0.28.3"},
            ["openapi-python-client 0.28.3 is installed, pyproject.toml pins 0.29.1"],
        ),
        ({"ruff": "0.15.0"}, ["ruff 0.15.0 is installed, pyproject.toml pins 0.17.6"]),
        (
            {"openapi_python_client": None, "ruff": "0.18.0"},
            [
                "openapi-python-client (not installed) is installed, pyproject.toml pins 0.29.1",
                "ruff 0.18.0 is installed, pyproject.toml pins 0.17.6",
            ],
        ),
    ],
    ids=["older-generator", "older-ruff", "both"],
)
def test_generate_refuses_other_versions_and_leaves_the_output_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, versions: dict[str, str | None], named: list[str]
) -> None:
    out = tmp_path / "_generated"
    out.mkdir()
    (out / "keep.py").write_text("# untouched\n", encoding="utf-8")
    before = tree_digest(out)
    installed_as(monkeypatch, **versions)
    with pytest.raises(generate.ToolVersionError) as info:
        generate.generate(SPEC_PATH, out)
    message = str(info.value)
    assert all(text in message for text in named), message
    assert PIP_FIX in message
    assert tree_digest(out) == before


def test_check_drift_checks_the_tools_first_and_does_not_advise_regenerating(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    installed_as(monkeypatch, openapi_python_client="0.28.3")
    monkeypatch.setattr(check_drift, "check", lambda *_: pytest.fail("compared trees with the wrong generator"))
    assert check_drift.main([]) == 1
    err = capsys.readouterr().err
    assert err.startswith("drift check cannot run: the pinned tools are not installed: openapi-python-client 0.28.3")
    assert PIP_FIX in err
    assert "make generate" not in err


@pytest.mark.slow  # its layout needs the tree generated from the fixture spec
def test_update_spec_refuses_and_replaces_nothing(
    fixture_tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    layout = Layout.copy_of_repo(tmp_path, fixture_tree)
    before = layout.snapshot()
    new = tmp_path / "new.json"
    new.write_bytes(FIXTURE_SPEC.read_bytes().replace(b"Must be between 4 and 16", b"Must be between 4 and 12"))
    installed_as(monkeypatch, ruff="0.18.0")
    assert update_spec.main([str(new), *layout.args()]) == 1
    err = capsys.readouterr().err
    assert "ruff 0.18.0 is installed, pyproject.toml pins 0.17.6" in err
    assert PIP_FIX in err
    assert layout.snapshot() == before


def test_a_pyproject_without_exact_pins_is_an_error(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project.optional-dependencies]\ndev = ["ruff>=0.17", "openapi-python-client==0.29.1"]\n')
    with pytest.raises(generate.ToolVersionError, match="pins no exact version of ruff"):
        generate.pinned_versions(pyproject)
