"""A liveshop server in a process of its own, for benchmarks and fault tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawn_server(
    *, database_url: str, port: int, workers: int = 1, env: dict[str, str] | None = None,
    startup_seconds: float = 30,
) -> subprocess.Popen[bytes]:
    """Start `uvicorn liveshop.app:create_app` (uvloop, httptools) and wait until /healthz answers."""
    environment = {**os.environ, "LIVESHOP_DATABASE_URL": database_url, "LIVESHOP_AUTO_MIGRATE": "false",
                   # A load test signs up its crowd from one address: the sign-up/follow guards would stop it.
                   "LIVESHOP_GUARDS": "false",
                   **(env or {})}
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "liveshop.app:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--loop", "uvloop", "--http", "httptools",
         "--log-level", "warning", "--no-access-log"],
        env=environment,
    )
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("the liveshop server did not start")
