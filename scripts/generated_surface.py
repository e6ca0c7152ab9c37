"""What a generated tree offers its users, read from its source with ``ast`` (nothing is imported).

- :func:`public_names`: every public module, class and function (``models.cost``,
  ``models.cost.Cost``, ``api.realtime_canvas.create_lcm_generation.sync``); comparing the sets before and
  after a regeneration finds renames and removals, which break code that uses the generated core.
- :func:`operations`: per ``(METHOD, path)``, the body model class of the api module, the JSON keys its
  ``to_dict`` writes, and the function's other arguments (its parameters). scripts/derive_constraints.py
  holds the constraints table to these.

The shapes read are those openapi-python-client 0.29.1's templates write (``_get_kwargs``, ``to_dict``
with ``field_dict``); a tree in another shape yields empty results, which the callers report as a mismatch.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path


def _modules(tree: Path) -> dict[str, Path]:
    """Dotted module name (relative to the tree) -> file, ``__pycache__`` ignored."""
    out: dict[str, Path] = {}
    for path in sorted(tree.rglob("*.py")):
        rel = path.relative_to(tree)
        if "__pycache__" in rel.parts:
            continue
        parts = list(rel.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts) or "(package)"] = path
    return out


def public_names(tree: Path) -> dict[str, str]:
    """``{"models.cost.Cost": "class", "models.cost": "module", ...}`` for everything public in ``tree``."""
    names: dict[str, str] = {}
    for module, path in _modules(tree).items():
        if any(part.startswith("_") for part in module.split(".")):
            continue
        names[module] = "module"
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and not node.name.startswith(
                "_"
            ):
                names[f"{module}.{node.name}"] = "class" if isinstance(node, ast.ClassDef) else "function"
    return names


@dataclass(frozen=True)
class GeneratedOperation:
    module: str
    body_class: str | None
    body_fields: tuple[str, ...]
    parameters: tuple[str, ...]


def _annotation_names(node: ast.expr | None) -> list[str]:
    return [n.id for n in ast.walk(node) if isinstance(n, ast.Name)] if node is not None else []


def _to_dict_keys(cls: ast.ClassDef) -> tuple[str, ...]:
    """The JSON keys ``to_dict`` writes: ``field_dict["k"] = ...`` and ``field_dict.update({"k": ...})``."""
    keys: list[str] = []
    for fn in cls.body:
        if not (isinstance(fn, ast.FunctionDef) and fn.name == "to_dict"):
            continue
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Subscript)
                and isinstance(node.ctx, ast.Store)
                and isinstance(node.value, ast.Name)
                and node.value.id == "field_dict"
                and isinstance(node.slice, ast.Constant)
                and isinstance(node.slice.value, str)
            ):
                keys.append(node.slice.value)
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "update"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "field_dict"
            ):
                for arg in node.args:
                    if isinstance(arg, ast.Dict):
                        keys += [k.value for k in arg.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)]
    return tuple(dict.fromkeys(keys))


def operations(tree: Path) -> dict[tuple[str, str], GeneratedOperation]:
    """Per ``("POST", "/generations-lcm")``: the generated api module's body model, its JSON keys, its parameters."""
    modules = _modules(tree)
    classes: dict[str, ast.ClassDef] = {}
    for module, path in modules.items():
        if module.startswith("models."):
            for stmt in ast.parse(path.read_text(encoding="utf-8")).body:
                if isinstance(stmt, ast.ClassDef):
                    classes[stmt.name] = stmt
    out: dict[tuple[str, str], GeneratedOperation] = {}
    for module, path in modules.items():
        if not module.startswith("api.") or path.name == "__init__.py":
            continue
        parsed = ast.parse(path.read_text(encoding="utf-8"))
        fn = next((n for n in parsed.body if isinstance(n, ast.FunctionDef) and n.name == "_get_kwargs"), None)
        if fn is None:
            continue
        method = url = None
        for node in ast.walk(fn):
            if isinstance(node, ast.Dict):
                for k, v in zip(node.keys, node.values, strict=True):
                    if isinstance(k, ast.Constant) and k.value == "method" and isinstance(v, ast.Constant):
                        method = str(v.value).upper()
                    if isinstance(k, ast.Constant) and k.value == "url":
                        url = v.value if isinstance(v, ast.Constant) else None
                        if isinstance(v, ast.JoinedStr):  # a path with parameters: f"/items/{id}"
                            url = "".join(str(p.value) if isinstance(p, ast.Constant) else "{}" for p in v.values)
        args = [*fn.args.args, *fn.args.kwonlyargs]
        body = next((a for a in args if a.arg == "body"), None)
        body_class = next((n for n in _annotation_names(body.annotation if body else None) if n in classes), None)
        fields = _to_dict_keys(classes[body_class]) if body_class else ()
        params = tuple(a.arg for a in args if a.arg != "body")
        if method and isinstance(url, str):
            out[(method, url)] = GeneratedOperation(module, body_class, fields, params)
    return out
