"""The processes of the fan-out benchmark: our server under gunicorn, stopped when done, and the Node
packages of the load generator and the reference server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import requests

from bench.fanout.load import NODE_DIR

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent


def stop(process: subprocess.Popen, timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_gunicorn(
    config: str, env: dict[str, str], port: int, log_path: Path, ready_within: float
) -> tuple[subprocess.Popen, str]:
    """gunicorn with `config` serving wsgi:app on port, once its /readyz answers 200: (process, URL)."""
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [str(BIN / "gunicorn"), "-c", config, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + ready_within
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/readyz", timeout=10).status_code == 200:
                return server, url
        except requests.RequestException:  # not listening yet, or busy starting
            pass
        time.sleep(0.2)
    stop(server)
    raise SystemExit(f"gunicorn not ready after {ready_within:.0f} s:\n{log_path.read_text()[-3000:]}")


def install_node_packages() -> None:
    if (NODE_DIR / "node_modules" / "socket.io-client").is_dir():
        return
    if shutil.which("npm") is None:
        raise SystemExit("npm is needed for the reference server and the load generator (Node 18+)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True)
