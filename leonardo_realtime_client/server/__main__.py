"""``python -m leonardo_realtime_client.server --port 8000``."""

from ._command import serve_command

if __name__ == "__main__":
    serve_command(prog_name="python -m leonardo_realtime_client.server")
