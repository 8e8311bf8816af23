"""A live pocketstack on 127.0.0.1 for tests and benchmarks: start, wait, stop by PID."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ADMIN_PASSWORD = "admin-secret-pw"
DEMO_PASSWORD = "demo-secret-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveCloud:
    base_url: str
    data_dir: Path
    process: subprocess.Popen[bytes] | None = None
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None

    @property
    def auth_url(self) -> str:
        return f"{self.base_url}/identity/v3"

    @property
    def clouds_yaml(self) -> Path:
        return self.data_dir / "clouds.yaml"

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


def start_cloud(data_dir: Path, *, port: int | None = None, extra_env: dict[str, str] | None = None,
                args: list[str] | None = None, timeout: float = 90.0,
                program: list[str] | None = None) -> LiveCloud:
    """Start `pocketstack serve` as a child process and wait until it answers; `program` runs
    instead of `python -m pocketstack` (it takes the same arguments)."""
    port = port or free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.update({
        "POCKETSTACK_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "POCKETSTACK_DEMO_PASSWORD": DEMO_PASSWORD,
    })
    env.update(extra_env or {})
    log_path = data_dir / "server.log"
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
    process = subprocess.Popen(
        [*(program or [sys.executable, "-m", "pocketstack"]), "serve", "--host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data_dir), *(args or [])],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    log.close()
    cloud = LiveCloud(f"http://127.0.0.1:{port}", data_dir, process, env, log_path)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pocketstack exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(cloud.base_url + "/", timeout=1).status_code == 200:
                return cloud
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    cloud.stop()
    raise RuntimeError(f"pocketstack did not answer within {timeout}s:\n{log_path.read_text()}")


class Api:
    """An authenticated HTTP client for one user and project, speaking to one live cloud."""

    def __init__(self, cloud: LiveCloud, token: str, body: dict[str, Any], password: str) -> None:
        self.cloud = cloud
        self.token = token
        self.token_body = body
        self.password = password
        self.client = httpx.Client(base_url=cloud.base_url, timeout=30,
                                   headers={"X-Auth-Token": token})

    @property
    def user_id(self) -> str:
        return str(self.token_body["token"]["user"]["id"])

    @property
    def username(self) -> str:
        return str(self.token_body["token"]["user"]["name"])

    @property
    def project_id(self) -> str:
        return str(self.token_body["token"]["project"]["id"])

    @property
    def project_name(self) -> str:
        return str(self.token_body["token"]["project"]["name"])

    def role_id(self, name: str) -> str:
        for role in self.token_body["token"]["roles"]:
            if role["name"] == name:
                return str(role["id"])
        raise KeyError(name)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.request(method, path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.put(path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.patch(path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.client.head(path, **kwargs)

    def close(self) -> None:
        self.client.close()


def login(cloud: LiveCloud, username: str, password: str, project: str,
          domain: str = "Default") -> Api:
    body = {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": username, "domain": {"name": domain}, "password": password}}},
        "scope": {"project": {"name": project, "domain": {"name": domain}}},
    }}
    resp = httpx.post(cloud.auth_url + "/auth/tokens", json=body, timeout=30)
    if resp.status_code != 201:
        raise RuntimeError(f"login as {username} failed: {resp.status_code} {resp.text}")
    return Api(cloud, resp.headers["X-Subject-Token"], resp.json(), password)


def new_member(cloud: LiveCloud, admin: Api, *, roles: tuple[str, ...] = ("member", "reader"),
               prefix: str = "t") -> Api:
    """A fresh project and a user with the given roles on it: tenants are walls, so tests
    that each use their own never see each other."""
    suffix = uuid.uuid4().hex[:10]
    password = "pw-" + uuid.uuid4().hex
    resp = admin.post("/identity/v3/projects", json={"project": {"name": f"{prefix}-p-{suffix}", "domain_id": "default"}})
    assert resp.status_code == 201, resp.text
    project = resp.json()["project"]
    resp = admin.post("/identity/v3/users", json={"user": {"name": f"{prefix}-u-{suffix}", "domain_id": "default",
                                                           "password": password, "default_project_id": project["id"]}})
    assert resp.status_code == 201, resp.text
    user = resp.json()["user"]
    for role in roles:
        resp = admin.put(f"/identity/v3/projects/{project['id']}/users/{user['id']}/roles/{admin.role_id(role)}")
        assert resp.status_code == 204, resp.text
    return login(cloud, user["name"], password, project["name"])
