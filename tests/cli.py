"""Running the `openstack` command in the tests: through one long-lived worker per test
process (tests/cli_worker.py), which runs openstackclient's own entry point for each command,
or, with POCKETSTACK_TEST_CLI=subprocess, as a new `openstack` process each time (what a
user's shell does; tests/clients/test_openstack_cli.py always checks that way once)."""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import threading
from pathlib import Path

OPENSTACK = Path(sys.executable).parent / "openstack"
WORKER = Path(__file__).with_name("cli_worker.py")
# Commands one worker runs before it is replaced (what a command leaves behind stays small).
WORKER_COMMANDS = 300

_lock = threading.Lock()
_worker: dict[str, subprocess.Popen[bytes] | int] = {}


def run(argv: list[str], env: dict[str, str], timeout: float = 120,
        fresh_process: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `argv` (argv[0] the `openstack` script) with `env`, as subprocess.run would with
    capture_output and text; subprocess.TimeoutExpired after `timeout` seconds."""
    if (fresh_process or os.environ.get("POCKETSTACK_TEST_CLI") == "subprocess"
            or Path(argv[0]).name != "openstack"):
        return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout,
                              check=False)
    request = json.dumps({"argv": argv, "env": env, "cwd": os.getcwd()}) + "\n"
    with _lock:
        worker = _running()
        assert worker.stdin is not None and worker.stdout is not None
        try:
            worker.stdin.write(request.encode())
            worker.stdin.flush()
            ready, _, _ = select.select([worker.stdout], [], [], timeout)
            line = worker.stdout.readline() if ready else b""
        except OSError:
            line = b""
        if not line:
            _stop()
            if not ready:
                raise subprocess.TimeoutExpired(argv, timeout)
            # The worker died with the command: run it on its own, as a user would.
            return subprocess.run(argv, env=env, capture_output=True, text=True,
                                  timeout=timeout, check=False)
    answer = json.loads(line)
    return subprocess.CompletedProcess(argv, int(answer["code"]), answer["stdout"],
                                       answer["stderr"])


def _running() -> subprocess.Popen[bytes]:
    worker = _worker.get("process")
    count = int(_worker.get("count", 0))
    if isinstance(worker, subprocess.Popen) and worker.poll() is None and count < WORKER_COMMANDS:
        _worker["count"] = count + 1
        return worker
    _stop()
    process = subprocess.Popen([sys.executable, str(WORKER)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    _worker.update(process=process, count=1)
    return process


def _stop() -> None:
    worker = _worker.pop("process", None)
    _worker.pop("count", None)
    if isinstance(worker, subprocess.Popen):
        worker.kill()
        worker.wait()


atexit.register(_stop)
