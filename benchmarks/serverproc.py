"""The server every row talks to, in a SUBPROCESS on 127.0.0.1, so ``time.process_time`` in the benchmark
process counts client CPU only.

Parent side: ``with server_subprocess() as base_url: ...``. Child side (``python -m benchmarks.serverproc``)
starts the project's local server (``leonardo_realtime_client.server.running_server``) with the given added
latency (zero by default), prints its base URL on one line and serves until its stdin closes.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

API_KEY = "bench-key-not-secret"


@contextmanager
def server_subprocess(*, cpu: int | None = None, latency: float = 0.0, nagle: bool = False) -> Iterator[str]:
    """Start the local server in a child process (``latency`` seconds added to every answer) and yield its base
    URL; stop it on exit. ``nagle``: bind the socket as the server did before issue 13 (``proto=0``, so asyncio
    leaves Nagle's algorithm on), to show what TCP_NODELAY buys."""
    command = [sys.executable, "-m", "benchmarks.serverproc", "--latency", str(latency)]
    if nagle:
        command.append("--nagle")
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line.startswith("http://127.0.0.1:"):
            raise RuntimeError(f"benchmark server did not start (said {line!r}, exit code {proc.poll()})")
        yield line
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(timeout=10)


def _serve(latency: float) -> None:
    from leonardo_realtime_client.server import Latency, ServerConfig, running_server

    # No faults, no request log; the token is checked like the real API checks it.
    config = ServerConfig(require_token=API_KEY, history=0, latency=Latency(fixed=latency))
    with running_server(config) as base_url:
        print(base_url, flush=True)
        sys.stdin.read()  # serve until the parent closes our stdin


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cpu", type=int, help="pin the server to this CPU")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every answer")
    parser.add_argument("--nagle", action="store_true", help="bind with proto=0 (the pre-issue-13 socket)")
    args = parser.parse_args()
    if args.nagle:
        from leonardo_realtime_client.server import _running

        def plain_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
            return sock

        _running.listening_socket = plain_socket
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    _serve(args.latency)


if __name__ == "__main__":
    main()
