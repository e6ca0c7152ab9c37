"""``python -m leonardo_realtime_client.server --port 8000``: the same command as ``leonardo-realtime serve``.

One definition of the command (``server/_command.py``), two ways to start it.
"""

from ._command import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m leonardo_realtime_client.server")
