"""The processes of `serve` and `api`: one listening socket per API process, the pool of extra
API processes, and the long-lived process of `serve` itself.

`pocketstack serve` parses its options, prepares the database (in a forked child) and then
replaces itself (exec, same PID) with `run_serve`, a program that imports only what serving
needs: the command-line libraries (typer, rich, yaml, click: a few MB) never stay in the
process that serves and runs the agent. The extra API processes start the same way
(`app.run_serve_worker`).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from typing import Any

from pocketstack.settings import Settings

# The uvicorn settings every API process uses (the benchmark's ceiling app uses them too).
UVICORN_OPTIONS: dict[str, Any] = {"loop": "uvloop", "http": "httptools", "lifespan": "on",
                                   "access_log": False}
# The extra API processes of `serve` start from the app module alone, without the
# command-line libraries (typer, rich, yaml: a few MB in each process).
WORKER_PROGRAM = ("import sys; from pocketstack.app import run_serve_worker; "
                  f"run_serve_worker(int(sys.argv[1]), sys.argv[2], {UVICORN_OPTIONS!r})")


# The program `serve` becomes (argv: workers, log level, the monotonic time the command
# started, the pid of the child preparing the database or 0).
SERVE_PROGRAM = ("import sys; from pocketstack.serving import run_serve; "
                 "run_serve(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]), int(sys.argv[4]))")


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def exec_serve(workers: int, log_level: str, started: float, env: dict[str, str],
               preparing: int | None) -> None:
    """Replace this process with SERVE_PROGRAM (the same PID), `env` added to its environment;
    `preparing`, the child still preparing the database, stays this process's child."""
    os.environ.update(env)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-c", SERVE_PROGRAM, str(workers), log_level,
                              repr(started), str(preparing or 0)])


def run_serve(workers: int, log_level: str, started: float, preparing: int = 0) -> None:
    """Every API and the agent: one process, or this one and `workers - 1` more sharing the
    port (the agent runs here; the others wake it). The modules (the app's and the agent's)
    are imported while `preparing` migrates and bootstraps; serving starts once it is done."""
    import uvicorn

    # Here, so that `serve` imports them once, after exec, while `preparing` runs: the app, and
    # the agent its start-up would otherwise import after the database is ready.
    import pocketstack.agent.runner  # noqa: F401
    from pocketstack.app import create_app

    if preparing:
        code = os.waitstatus_to_exitcode(os.waitpid(preparing, 0)[1])
        if code != 0:
            raise SystemExit(code)
    settings = Settings()
    if workers <= 1:
        application = create_app(settings, embedded_agent=True)
        print_serving(settings, started, 1)
        uvicorn.run(application, host=settings.host, port=settings.port, log_level=log_level,
                    **UVICORN_OPTIONS)
        return
    sock, *others = listen_sockets(settings.host, settings.port, workers)
    env = {"POCKETSTACK_HOST": settings.host, "POCKETSTACK_PORT": str(settings.port),
           "POCKETSTACK_DATA_DIR": str(settings.data_dir.resolve())}
    pool = WorkerPool([sys.executable, "-c", WORKER_PROGRAM, "{fd}", log_level], env,
                      [o.fileno() for o in others])
    exit_on_sigterm()
    pool.start()
    try:
        application = create_app(settings, embedded_agent=True, agent_wake="listen")
        print_serving(settings, started, workers)
        config = uvicorn.Config(application, log_level=log_level, **UVICORN_OPTIONS)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.stop()


def print_serving(settings: Settings, started: float, workers: int) -> None:
    say(f"pocketstack serving on {settings.base_url} (identity {settings.base_url}/identity/v3, "
        f"{workers} process{'es' if workers > 1 else ''}) after {time.monotonic() - started:.2f}s")


class WorkerPool:
    """The extra API processes of `serve --workers N`: each started with its own listening
    socket (the "{fd}" in argv becomes its number), restarted when one dies, ended (SIGTERM)
    with the command. They die with their parent."""

    def __init__(self, argv: list[str], env: dict[str, str], fds: list[int]) -> None:
        self.argv, self.fds = argv, fds
        self.env = {**os.environ, **env}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = threading.Event()

    def _spawn(self, fd: int) -> subprocess.Popen[bytes]:
        argv = [arg.replace("{fd}", str(fd)) for arg in self.argv]
        return subprocess.Popen(argv, env=self.env, pass_fds=(fd,), preexec_fn=die_with_parent)

    def start(self) -> None:
        self.processes = [self._spawn(fd) for fd in self.fds]
        threading.Thread(target=self._watch, name="worker-pool", daemon=True).start()

    def _watch(self) -> None:
        while not self.stopping.wait(0.5):
            for i, process in enumerate(self.processes):
                code = process.poll()
                if code is not None and not self.stopping.is_set():
                    say(f"pocketstack API process {process.pid} exited with {code}; "
                        "starting another")
                    self.processes[i] = self._spawn(self.fds[i])

    def stop(self) -> None:
        self.stopping.set()
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def exit_on_sigterm() -> None:
    """uvicorn re-raises the SIGTERM it shut down for; exiting through SystemExit instead of
    the default action lets the caller's `finally` stop the other API processes."""

    def exit_now(_signum: int, _frame: object) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, exit_now)


def die_with_parent() -> None:
    """In a child before exec: get SIGTERM when the parent dies (Linux), never linger."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def listen_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """One socket per API process, all on one port (SO_REUSEPORT): the kernel spreads new
    connections evenly over them (with one shared socket, whichever process wakes first takes
    a whole burst of keep-alive connections while the others idle). They are bound but not
    listening: uvicorn listens once its process has started, so no connection waits on a
    process that is still importing."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # A plain bind first: a port that anyone holds (even another pocketstack) is an error.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
        port = probe.getsockname()[1]
    shared = count > 1 and not hasattr(socket, "SO_REUSEPORT")
    sockets: list[socket.socket] = []
    for _ in range(1 if shared else count):
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if count > 1 and not shared:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
        sock.set_inheritable(True)
        sockets.append(sock)
    return sockets * count if shared else sockets
