"""Several `samverkan serve` instances on one database behind a real nginx, on loopback.

Used by tests/cluster/ and bench/cluster.py. Each instance is the installed `samverkan
serve` command in its own process (anonymous local mode: nginx talks to it from
127.0.0.1), with JSON logs in its own file; nginx (Debian's package) runs in the
foreground with a configuration written here (`NGINX_CONF`, the same shape as the one in
docs/production.md, without TLS).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import aiohttp

SAMVERKAN = Path(sys.executable).parent / "samverkan"

NGINX_CONF = """\
worker_processes 1;
{user}
error_log {dir}/error.log warn;
pid {dir}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    # Which instance answered each request, for the test and for operators.
    log_format upstreams '$upstream_addr $status $request_time $request_id';
    upstream samverkan {{
{servers}
    }}
    server {{
        listen 127.0.0.1:{port};
        access_log {dir}/access.log upstreams;
        client_max_body_size 256k;
        location /api/messages {{
            proxy_pass http://samverkan;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Request-Id $request_id;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            # A refused connection (an instance stopped or draining) goes to the next one;
            # a POST already sent is never sent twice (no `non_idempotent`).
            proxy_next_upstream error timeout http_503;
            proxy_next_upstream_tries 3;
            proxy_connect_timeout 2s;
            proxy_read_timeout 30s;
        }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def find_nginx() -> str | None:
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None


class Nginx:
    """nginx in the foreground, proxying /api/messages round-robin to `ports`."""

    def __init__(self, workdir: Path, ports: list[int], binary: str) -> None:
        self.dir = workdir / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.binary = binary
        servers = "\n".join(
            f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=3s;" for p in ports
        )
        user = "user root;" if os.geteuid() == 0 else ""
        conf = NGINX_CONF.format(user=user, dir=self.dir, servers=servers, port=self.port)
        (self.dir / "nginx.conf").write_text(conf)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [self.binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf"),
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL,
            stderr=(self.dir / "stderr.log").open("w"),
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.dir / 'stderr.log').read_text()}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 10 s")

    def upstream_counts(self) -> dict[str, int]:
        """Requests per instance (the last upstream nginx tried), from the access log."""
        counts: dict[str, int] = {}
        log = self.dir / "access.log"
        for line in log.read_text().splitlines() if log.exists() else []:
            upstream = line.split(" ", 1)[0].split(",")[-1].strip()
            counts[upstream] = counts.get(upstream, 0) + 1
        return counts

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful: finish what it proxies
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Instance:
    """`samverkan serve` in its own process, on its own loopback port."""

    def __init__(self, name: str, workdir: Path, database_url: str, **env: str) -> None:
        self.name = name
        self.port = free_port()
        self.data_dir = workdir / name
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.data_dir / "serve.log"
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR")}
        self.env = {
            **keep,
            "DATABASE_URL": database_url,
            "SAMVERKAN_PORT": str(self.port),
            "SAMVERKAN_DATA_DIR": str(self.data_dir),
            # One secret for the deployment (pulse keys are sealed with it).
            "SAMVERKAN_SECRET": "c" * 40,
            "SAMVERKAN_LOG_FORMAT": "json",
            "SAMVERKAN_COMMAND_BURST": "10000",
            "SAMVERKAN_COMMAND_RATE": "10000",
            **env,
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def upstream(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        self._log = self.log_path.open("w")
        self.proc = subprocess.Popen(
            [str(SAMVERKAN), "serve"],
            cwd=self.data_dir,  # no .env of the repository
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self._log,
        )

    async def wait_live(self, http: aiohttp.ClientSession, within: float = 45.0) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited; see {self.log_path}")
            try:
                async with http.get(self.url + "/livez") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError(f"{self.name} did not start within {within} s")

    async def readiness(self, http: aiohttp.ClientSession) -> dict[str, Any] | None:
        """The /readyz body, or None if it does not answer."""
        try:
            async with http.get(self.url + "/readyz", timeout=aiohttp.ClientTimeout(3)) as resp:
                body: dict[str, Any] = await resp.json(content_type=None)
                return body
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: nothing of the shutdown runs, as in a crash or a pulled plug."""
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_lines(self) -> list[dict[str, Any]]:
        out = []
        for line in self.log_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


async def leaders(http: aiohttp.ClientSession, instances: list[Instance]) -> list[str]:
    """The names of the live instances that say they lead."""
    bodies = await asyncio.gather(*(i.readiness(http) for i in instances if i.alive()))
    names = [i.name for i in instances if i.alive()]
    return [n for n, b in zip(names, bodies, strict=True) if b is not None and b.get("leader")]


def reference(service_url: str, cid: str) -> dict[str, object]:
    """A stored channel conversation reference, as the bot keeps it."""
    return {
        "channelId": "msteams",
        "serviceUrl": service_url,
        "conversation": {"id": cid, "conversationType": "channel", "tenantId": "cluster"},
        "bot": {"id": "28:samverkan-cluster", "name": "Samverkan"},
        "user": {"id": "29:cluster"},
    }
