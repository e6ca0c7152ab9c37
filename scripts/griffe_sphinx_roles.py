"""A griffe extension for ``make docs``: docstrings written for ``help()`` and Sphinx read well on the site too.

The package's docstrings use reST's roles (``:class:`~leonardo_realtime_client.ImageError```) and ``::`` before a
literal block; mkdocstrings renders Markdown, where both would show as typed. Roles become code (``ImageError``,
the last part when the target starts with ``~``), and a paragraph's closing ``::`` a single colon (the indented
block after it is already a code block in Markdown). The docstrings themselves are not changed.

A function whose docstring is completed when its module is imported (the four operations: ``_operation_docs``)
is shown with the text ``help()`` shows, not only the part written in its source, and with the parameters
``help()`` shows: its ``**options: Unpack[...]`` written out as the keywords ``_operation_options`` declares, each
annotated as declared there (so each type links as it would in a written-out signature).
"""

from __future__ import annotations

import ast
import inspect
import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|meth|func|data|attr|exc|mod|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`")
_LITERAL = re.compile(r"(?m)^(?P<text>.*?)[ \t]*::$")  # [ \t], not \s: a "::" alone stays alone


def markdown_text(docstring: str) -> str:
    """``docstring`` with reST roles as code spans and paragraph-closing ``::`` as ``:``."""

    def role(match: re.Match[str]) -> str:
        target = match["target"]
        shown = target.rsplit(".", 1)[-1] if match["tilde"] else target
        return f"`{shown}`"

    text = _ROLE.sub(role, docstring)
    return _LITERAL.sub(lambda m: f"{m['text']}:" if m["text"].strip() else "", text)


_COMPOSED = "leonardo_realtime_client._operation_docs.operation_doc"  # the decorator that completes a docstring
_OPTIONS = "leonardo_realtime_client._operation_options"  # where the keywords of **options are declared


def _composed(obj: griffe.Object) -> bool:
    return isinstance(obj, griffe.Function) and any(d.callable_path == _COMPOSED for d in obj.decorators)


class SphinxRoles(griffe.Extension):
    """Rewrites each docstring as it is loaded, and the composed functions' parameters (see the module docstring)."""

    def on_instance(self, *, node: ast.AST | griffe.ObjectNode, obj: griffe.Object, agent: Any, **kwargs: Any) -> None:
        if obj.docstring is not None:
            if _composed(obj):
                obj.docstring.value = inspect.getdoc(griffe.dynamic_import(obj.path)) or obj.docstring.value
            obj.docstring.value = markdown_text(obj.docstring.value)

    def on_function(self, *, func: griffe.Function, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if not _composed(func):
            return
        declared = loader.modules_collection[_OPTIONS]  # the scope the annotations' names resolve in
        parameters = []
        for shown in inspect.signature(griffe.dynamic_import(func.path)).parameters.values():
            if shown.name in func.parameters:
                parameters.append(func.parameters[shown.name])
                continue
            annotation = ast.parse(str(shown.annotation), mode="eval").body
            parameters.append(
                griffe.Parameter(
                    shown.name,
                    annotation=griffe.safe_get_annotation(annotation, parent=declared),
                    kind=griffe.ParameterKind(shown.kind.description),
                    default=repr(shown.default),
                )
            )
        func.parameters = griffe.Parameters(*parameters)
