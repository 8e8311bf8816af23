"""Client-test helpers: run the `openstack` command against the live cloud's clouds.yaml."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests import cli
from tests.cli import OPENSTACK
from tests.live import LiveCloud

PRIVATE_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"


def md5_fingerprint(public_key: str) -> str:
    """Nova's key pair fingerprint: the colon-separated MD5 of the OpenSSH key blob."""
    digest = hashlib.md5(base64.b64decode(public_key.split()[1])).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def flavor_name(server: dict[str, Any]) -> str:
    """The flavor `openstack server show` prints: "name (id)" below 2.47, from 2.47 the flavor
    embedded in the server (by its original name), whichever version the cloud negotiates."""
    flavor = server["flavor"]
    if isinstance(flavor, dict):
        return str(flavor["original_name"])
    return str(flavor).split(" (")[0]


class CliError(AssertionError):
    """The command exited non-zero; the message holds its stderr."""


def client_env(cloud: LiveCloud, cloud_name: str) -> dict[str, str]:
    """The process environment without any outer OS_* settings, pointed at clouds.yaml."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(cloud.clouds_yaml), "OS_CLOUD": cloud_name})
    return env


def run_openstack(cloud: LiveCloud, *args: str, cloud_name: str = "pocketstack",
                  fmt: bool = True, timeout: float = 120, fresh_process: bool = False) -> Any:
    """Run `openstack ARGS [-f json]` (tests/cli.py: in the CLI worker, or as a process of its
    own with `fresh_process`); return the parsed JSON (or the raw stdout)."""
    cmd = [str(OPENSTACK), *args, *(["-f", "json"] if fmt else [])]
    proc = cli.run(cmd, client_env(cloud, cloud_name), timeout, fresh_process=fresh_process)
    if proc.returncode != 0:
        raise CliError(f"{' '.join(cmd[1:])} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    return json.loads(proc.stdout) if fmt else proc.stdout


@pytest.fixture(scope="session")
def latest_cloud(cloud: LiveCloud) -> LiveCloud:
    """The live cloud, for the tests of clients at the versions they negotiate (compute
    advertises Nova's newest microversion; each test names its own resources)."""
    return cloud


@pytest.fixture
def osc(cloud: LiveCloud) -> Callable[..., Any]:
    def run(*args: str, **kwargs: Any) -> Any:
        return run_openstack(cloud, *args, **kwargs)

    return run


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:8]


def wait_for(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout}s")


@pytest.fixture
def cleanup() -> Iterator[list[Callable[[], object]]]:
    """Callbacks run after the test, last first; their errors are ignored."""
    actions: list[Callable[[], object]] = []
    yield actions
    for action in reversed(actions):
        try:
            action()
        except Exception:  # noqa: BLE001 - best-effort cleanup of a failed test
            pass
