"""A stop signal ends a served process after its clean-up, with code 0 and no traceback (bot.shutdown)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]

# The shape of bot/__main__.py: a uvicorn server inside asyncio.run, clean-up in a `finally`.
SERVED = """
import asyncio, sys, uvicorn
from bot.shutdown import exit_quietly_on_signals

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            done = "startup" if message["type"] == "lifespan.startup" else "shutdown"
            await send({"type": f"lifespan.{done}.complete"})
            if done == "shutdown":
                return
    else:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

async def serve():
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="info"))
    try:
        await server.serve()
    finally:
        await asyncio.sleep(0.05)
        print("cleaned up", flush=True)

exit_quietly_on_signals()
asyncio.run(serve())
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _up(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/", timeout=1).is_success
    except httpx.HTTPError:
        return False


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_runs_the_clean_up_and_exits_zero_without_a_traceback(sig: signal.Signals):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVED, str(port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not _up(port) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.1)
    assert _up(port)

    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)

    assert proc.returncode == 0, out
    assert "cleaned up" in out
    assert "Traceback" not in out
