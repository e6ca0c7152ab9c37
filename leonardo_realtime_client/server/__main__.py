"""``python -m leonardo_realtime_client.server --port 8000``: the same command as ``leonardo-realtime serve``.

One definition of the options (in ``_cli/_serve.py``), two ways to start it.
"""

from .._cli._serve import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m leonardo_realtime_client.server")
