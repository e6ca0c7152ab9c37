"""The generated core's public names before and after a regeneration: renames and removals are BREAKING.

A changed schema ``title`` renames a generated model class (``CreateLcmGenerationBody`` disappears), an
operation id renames a module and its functions: code that imports the generated core -- this package's
hand-written layer included -- then fails with ``ImportError`` or ``AttributeError``. Part of
scripts/spec_changelog.py; ``update-spec`` compares the committed tree with the staged one.
"""

from __future__ import annotations

from pathlib import Path

from changelog_model import Change
from generated_surface import public_names


def _leaf(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _parent(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


def names_changes(old_tree: Path, new_tree: Path) -> tuple[Change, ...]:
    """One change per public module, class or function removed (BREAKING), renamed (BREAKING) or added.

    A removed name and an added one of the same kind in the same place (the same package for modules; for
    classes and functions the same module, or the module it was renamed to) are reported as one rename.
    """
    old, new = public_names(old_tree), public_names(new_tree)
    gone = [n for n in old if n not in new]
    added = [n for n in new if n not in old]
    moved: dict[str, str] = {}  # old module -> new module
    out: list[Change] = []
    for name in sorted(gone, key=lambda n: old[n] != "module"):  # modules first: their renames pair the rest
        kind, parent = old[name], _parent(name)
        parent = moved.get(parent, parent)
        partner = next((a for a in added if new[a] == kind and _parent(a) == parent), None)
        reason = f"code using {_leaf(name)} fails with ImportError/AttributeError"
        if partner is not None:
            added.remove(partner)
            if kind == "module":
                moved[name] = partner
            detail = f"{kind} {name} renamed to {_leaf(partner)}"
            out.append(Change(f"generated {kind}", "generated-renamed", detail, True, reason))
        else:
            out.append(Change(f"generated {kind}", "generated-removed", f"{kind} {name} removed", True, reason))
    for name in added:
        kind = new[name]
        out.append(Change(f"generated {kind}", "generated-added", f"{kind} {name} added", False, "a new name"))
    return tuple(out)
