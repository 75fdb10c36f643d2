"""Debian's nginx, configured by the README's scale-out example, in front of server and API processes.

It runs as a process of the test (no daemon) with its prefix, pid file, logs and temporary files in a
folder of its own and a high port; only the addresses of the README's block are replaced.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Debian installs it in /usr/sbin, which a user's PATH may lack.
NGINX = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")


def readme_block() -> str:
    """The README's nginx block that defines the upstreams (the scale-out example)."""
    blocks = re.findall(r"```nginx\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
    scale_out = [block for block in blocks if "upstream eoffice_servers" in block]
    assert len(scale_out) == 1, "README.md has one nginx block with `upstream eoffice_servers`"
    return scale_out[0]


def configuration(port: int, servers: list[str], api_workers: list[str], *, as_root: bool) -> str:
    block = readme_block()
    block = re.sub(r"(upstream eoffice_servers\s*\{[^;]*;)[^}]*\}", r"\1 SERVERS }", block)
    block = block.replace("SERVERS", " ".join(f"server {address};" for address in servers))
    block = re.sub(r"(upstream eoffice_api\s*\{)[^}]*\}", r"\1 API }", block)
    block = block.replace("API", " ".join(f"server {address};" for address in api_workers))
    block, listens = re.subn(r"listen 80;", f"listen 127.0.0.1:{port};", block)
    assert listens == 1
    # Only a master started as root switches its workers to another user; then they need a way in.
    user = "user nobody nogroup;\n" if as_root else ""
    return f"""{user}daemon off;
worker_processes 1;
pid nginx.pid;
error_log logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log logs/access.log;
    client_body_temp_path temp/client_body;
    proxy_temp_path temp/proxy;
    fastcgi_temp_path temp/fastcgi;
    uwsgi_temp_path temp/uwsgi;
    scgi_temp_path temp/scgi;
{block}
}}
"""


class Nginx:
    def __init__(self, servers: list[str], api_workers: list[str]):
        self.prefix = Path(tempfile.mkdtemp(prefix="eoffice-nginx-"))
        self.prefix.chmod(0o755)
        (self.prefix / "logs").mkdir()
        (self.prefix / "temp").mkdir()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.conf = self.prefix / "nginx.conf"
        self.conf.write_text(configuration(self.port, servers, api_workers, as_root=os.geteuid() == 0))
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        error_log = self.prefix / "logs" / "error.log"
        command = [NGINX, "-p", f"{self.prefix}/", "-c", str(self.conf), "-e", str(error_log)]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration: {checked.stderr}")
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nginx did not start: {error_log.read_text(errors='replace')[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            # Fast shutdown: the open WebSockets are not waited for.
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.prefix, ignore_errors=True)

    def error_log(self) -> str:
        path = self.prefix / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""
