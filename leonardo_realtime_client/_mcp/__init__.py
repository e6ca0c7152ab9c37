"""``leonardo-realtime mcp``: the four Realtime Canvas operations as MCP tools.

Modules: ``_schema`` (tool input schemas and descriptions from the constraints table), ``_results`` (saved
results and image references: path, data URL or result id), ``_budget`` (running total and budget),
``_calls`` (one tool call: check, spend, send, save; no MCP types), ``_server`` (the ``MCPServer`` and its
transports; the only module that imports the ``mcp`` SDK).

Nothing here imports ``mcp`` at package import time: ``_server`` is imported by the CLI command only.
"""
