"""The sync and async clients are written by hand, one the mirror of the other; this is the list of where they
may differ.

Both modules are parsed; the async one is turned into sync code (``await`` dropped, ``async def/with/for``
made plain, ``AsyncRealtimeCanvas`` → ``RealtimeCanvas``, ``aclose`` → ``close`` …) and every method is compared
with its sync twin, docstrings aside. A method that differs, or exists on one side only, must be named in
:data:`ALLOWED` with the reason; an entry that no longer differs fails too, so the list stays true.
"""

from __future__ import annotations

import ast
from pathlib import Path

import leonardo_realtime_client

PACKAGE = Path(leonardo_realtime_client.__file__).parent

RENAMES = {
    "AsyncRealtimeCanvas": "RealtimeCanvas",
    "AsyncClient": "Client",
    "AsyncBaseTransport": "BaseTransport",
    "aclose": "close",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "async_sleep": "sleep",
}

ALLOWED = {
    "__init__": "the async client binds its own connection pool to the event loop that uses it",
    "close": "async: the pool may belong to an event loop that is already gone (closed there, or never closable)",
    "_prepare": "async only: a fresh pool when a new event loop calls the client",
    "session": "async only: realtime sessions run on an event loop",
    "_send": "async: the pool is watched for its event loop, and a closed loop's RuntimeError becomes a clear error",
    "_send_once": "the attempt's deadline: a guard thread for sync I/O, a cancel scope for async",
    "_read_answer": "async only: send and read the bounded answer as one awaitable the cancel scope wraps",
}


class _ToSync(ast.NodeTransformer):
    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        return self.generic_visit(ast.FunctionDef(**{f: getattr(node, f) for f in node._fields}))

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        return self.generic_visit(ast.With(**{f: getattr(node, f) for f in node._fields}))

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        return self.generic_visit(ast.For(**{f: getattr(node, f) for f in node._fields}))

    def visit_Await(self, node: ast.Await) -> ast.AST:
        value: ast.AST = self.visit(node.value)
        return value

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = RENAMES.get(node.id, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        node.attr = RENAMES.get(node.attr, node.attr)
        return self.generic_visit(node)


def _methods(module: str, *, to_sync: bool) -> dict[str, str]:
    tree = ast.parse((PACKAGE / module).read_text(encoding="utf-8"))
    if to_sync:
        tree = _ToSync().visit(tree)
    (cls,) = [node for node in tree.body if isinstance(node, ast.ClassDef)]
    methods: dict[str, str] = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name = RENAMES.get(node.name, node.name)
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring: each says sync or async in its own words
            node.body = body or [ast.Pass()]
            methods[name] = ast.dump(node, include_attributes=False)
    return methods


def test_the_async_client_mirrors_the_sync_one_except_where_listed() -> None:
    sync = _methods("_client.py", to_sync=False)
    made_sync = _methods("_async_client.py", to_sync=True)
    differing = {name for name in sync.keys() | made_sync.keys() if sync.get(name) != made_sync.get(name)}
    assert differing == ALLOWED.keys()


def test_the_four_operations_are_mirrored_exactly() -> None:
    sync = _methods("_client.py", to_sync=False)
    made_sync = _methods("_async_client.py", to_sync=True)
    for name in ("generate", "refine", "inpaint", "upscale"):
        assert sync[name] == made_sync[name], name
