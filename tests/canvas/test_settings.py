"""The page's controls follow the constraints table: change the table, and the controls change with it."""

from __future__ import annotations

import re

import pytest

from leonardo_realtime_client._generated.constraints import OPERATIONS
from leonardo_realtime_client.canvas._settings import control_specs

STATIC = __import__("leonardo_realtime_client.canvas._app", fromlist=["STATIC_DIR"]).STATIC_DIR


def _by_name() -> dict[str, dict[str, object]]:
    return {c["json_name"]: c for c in control_specs()}


def test_a_changed_range_reaches_the_controls(monkeypatch: pytest.MonkeyPatch) -> None:
    strength = OPERATIONS["createLCMGeneration"]["fields"]["strength"]
    monkeypatch.setitem(strength, "minimum", 0.2)
    monkeypatch.setitem(strength, "maximum", 0.6)
    control = _by_name()["strength"]
    assert (control["min"], control["max"]) == (0.2, 0.6)
    assert control["value"] == 0.6  # the starting value (0.7) is clamped into the new range
    assert control["allowed"] == "a number from 0.2 to 0.6"


def test_a_new_style_and_a_new_field_reach_the_controls(monkeypatch: pytest.MonkeyPatch) -> None:
    fields = OPERATIONS["createLCMGeneration"]["fields"]
    monkeypatch.setitem(fields["style"], "enum", (*(fields["style"]["enum"] or ()), "WATERCOLOUR"))
    monkeypatch.setitem(fields, "sharpness", {**fields["steps"], "json_name": "sharpness", "minimum": 1, "maximum": 3})
    controls = _by_name()
    assert "WATERCOLOUR" in controls["style"]["choices"]  # type: ignore[operator]
    assert (controls["sharpness"]["kind"], controls["sharpness"]["min"], controls["sharpness"]["max"]) == (
        "range",
        1,
        3,
    )
    assert controls["sharpness"]["operations"] == ["generate"]


def test_the_page_types_no_range_of_the_spec() -> None:
    """The limits live in the table only: none of its bounds or styles appears as a literal in the page's script."""
    script = (STATIC / "canvas.js").read_text()
    numbers = {float(n) for n in re.findall(r"(?<![\w.#])\d+(?:\.\d+)?(?![\w.])", script)}
    bounds: set[float] = set()
    styles: set[str] = set()
    for rule in OPERATIONS.values():
        for field in rule["fields"].values():
            bounds |= {float(b) for b in (field["minimum"], field["maximum"]) if b is not None}
            styles |= set(field["enum"] or ())
    assert numbers, "the number pattern found nothing: the check would prove nothing"
    typed = sorted((bounds - {0.0, 1.0}) & numbers)  # 0 and 1 are everyday numbers in any script
    assert typed == [], f"canvas.js types {typed}: they belong to the constraints table"
    assert [s for s in styles if f'"{s}"' in script] == []
