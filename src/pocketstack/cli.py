"""The `pocketstack` command: serve (all in one), api and agent (scale-out), db upgrade/check,
keys rotate."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
import yaml
from rich.console import Console

from pocketstack.data_dir import make_private
from pocketstack.serving import (
    UVICORN_OPTIONS,
    WorkerPool,
    exec_serve,
    exit_on_sigterm,
    listen_sockets,
    print_serving,
)
from pocketstack.settings import Settings

app = typer.Typer(help="An OpenStack-compatible cloud in one command.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database schema management.", no_args_is_help=True)
app.add_typer(db_app, name="db")
keys_app = typer.Typer(help="Fernet token keys (Keystone's fernet_rotate).", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
console = Console(stderr=True, soft_wrap=True)


def _settings(host: str | None, port: int | None, data_dir: Path | None,
              driver: str | None = None) -> Settings:
    overrides: dict[str, Any] = {}
    if driver is not None:
        overrides["driver"] = driver
    if host is not None:
        overrides["host"] = host
    if port is not None:
        overrides["port"] = port
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = Settings(**overrides)
    make_private(settings.data_dir)
    return settings


def _multiprocess_metrics(settings: Settings, workers: int) -> None:
    """With several API processes, each writes its request metrics to a file in one directory
    that any process's /metrics sums (api/metrics_text.py); emptied at each start (counters
    begin at zero)."""
    if workers <= 1:
        return
    import shutil

    directory = settings.data_dir / "metrics"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700)
    os.environ["POCKETSTACK_METRICS_PROCESS_DIR"] = str(directory.resolve())


def _prepare(settings: Settings) -> None:
    """Migrate the schema and bootstrap; print credentials on first start. On PostgreSQL,
    processes starting together take turns (an advisory lock), so only one migrates."""
    asyncio.run(_exclusively(settings, _migrate_and_bootstrap))


def _prepare_apart(settings: Settings) -> int | None:
    """Start `_prepare` in a forked child and return its pid (None: done here, where there is
    no fork): the serving program imports the server's modules meanwhile and then waits for
    it, and the schema tools and the bootstrap's leftovers never load into the long-lived
    server process (about 15 MB less)."""
    if not hasattr(os, "fork"):
        _prepare(settings)
        return None
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            _prepare(settings)
            code = 0
        except BaseException:  # noqa: BLE001 - reported here, the parent exits with the code
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    return pid


async def _migrate_and_bootstrap(settings: Settings) -> None:
    from pocketstack.db import migrate

    await asyncio.to_thread(migrate.upgrade, settings.database_url)
    await _bootstrap(settings)


async def _exclusively(settings: Settings, work: Callable[[Settings], Awaitable[None]]) -> None:
    """Run `work` holding PostgreSQL's session advisory lock PREPARE_LOCK (SQLite: just run)."""
    if not settings.database_url.startswith("postgresql"):
        await work(settings)
        return
    import asyncpg

    from pocketstack.db.notify import asyncpg_dsn

    conn = await asyncpg.connect(asyncpg_dsn(settings.database_url), timeout=10)
    try:
        await conn.execute(f"SELECT pg_advisory_lock({PREPARE_LOCK})")
        await work(settings)
    finally:
        await conn.close()


# The advisory lock key of schema upgrades and bootstrap on PostgreSQL.
PREPARE_LOCK = 0x706F636B6574


@dataclass
class _Prepared:
    """The bootstrap's state: settings, database and password hasher, without the API modules
    (this runs while `serve` imports those in its own process)."""

    settings: Settings
    db: Any
    passwords: Any


async def _bootstrap(settings: Settings) -> None:
    from pocketstack import bootstrap
    from pocketstack.db.engine import Database
    from pocketstack.services.passwords import Passwords
    from pocketstack.services.tokens import Tokens

    db = Database(settings.database_url)
    try:
        # The token signing keys exist before any API process starts (none races to make them).
        await Tokens(db, settings.token.expiration_hours * 3600,
                     settings.token.revocation_cache_s).load_keys()
        state = _Prepared(settings, db, Passwords(settings.password))
        creds = await bootstrap.bootstrap(state)
        if settings.driver == "qemu":
            await _prepare_qemu(state)
        clouds = settings.data_dir / "clouds.yaml"
        if creds is not None:
            path = bootstrap.write_clouds_yaml(state, creds)
            _print_credentials(settings, creds, path)
        elif clouds.exists():
            _refresh_auth_urls(settings, clouds)
            console.print(f"[green]pocketstack[/] reusing {settings.data_dir}; credentials in {clouds}")
    finally:
        await db.dispose()


def _refresh_auth_urls(settings: Settings, clouds: Path) -> None:
    data = yaml.safe_load(clouds.read_text()) or {}
    for cloud in (data.get("clouds") or {}).values():
        cloud.setdefault("auth", {})["auth_url"] = f"{settings.base_url}/identity/v3"
    clouds.write_text(yaml.safe_dump(data, sort_keys=False))


def _print_credentials(settings: Settings, creds: Any, path: Path) -> None:
    auth_url = f"{settings.base_url}/identity/v3"
    console.print(f"[bold green]pocketstack bootstrapped[/] in {settings.data_dir}")
    console.print(f"  admin / {creds.admin_password}   (project admin)")
    console.print(f"  demo  / {creds.demo_password}   (project demo)")
    console.print(f"  clouds.yaml: {path}   (clouds 'pocketstack-admin' and 'pocketstack')")
    console.print(f"\n  export OS_CLIENT_CONFIG_FILE={path.resolve()} OS_CLOUD=pocketstack-admin\n")
    console.print("  or, without clouds.yaml:")
    console.print(f"  export OS_AUTH_URL={auth_url} OS_IDENTITY_API_VERSION=3 OS_REGION_NAME={settings.region}")
    console.print("  export OS_USERNAME=admin OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default OS_PROJECT_DOMAIN_NAME=Default")
    console.print(f"  export OS_PASSWORD={creds.admin_password}\n")


async def _prepare_qemu(state: _Prepared) -> None:
    """The qemu driver's Debian packages (installed when missing) and its guest images."""
    from pocketstack import bootstrap
    from pocketstack.drivers import qemu_packages

    installed = await asyncio.to_thread(qemu_packages.ensure)
    if installed:
        console.print(f"[green]pocketstack[/] installed {' '.join(installed)}")
    if await bootstrap.add_guest_images(state):
        console.print(f"[green]pocketstack[/] built the qemu guest: image "
                      f"{bootstrap.GUEST_NAME} ({bootstrap.GUEST_ID})")


@app.command("qemu-deps")
def qemu_deps() -> None:
    """Check the Debian packages of the qemu driver; install the missing ones with apt-get."""
    from pocketstack.drivers import qemu_packages

    try:
        installed = qemu_packages.ensure()
    except qemu_packages.PackagesMissing as err:
        console.print(f"[red]{err}[/]")
        raise typer.Exit(1) from err
    console.print("[green]pocketstack[/] qemu packages: "
                  + (f"installed {' '.join(installed)}" if installed else "all present"))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port for every API (default 8080).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the database, images and clouds.yaml live.")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    workers: Annotated[int, typer.Option(help="API processes sharing the port; the agent runs in the first.")] = 1,
    driver: Annotated[str | None, typer.Option(help="Hypervisor driver: fake (default) or qemu (real guests).")] = None,
) -> None:
    """Run every API, one agent and SQLite: one process, or several sharing one port."""
    started = time.monotonic()
    settings = _settings(host, port, data_dir, driver)
    _multiprocess_metrics(settings, workers)
    preparing = _prepare_apart(settings)
    env = {"POCKETSTACK_HOST": settings.host, "POCKETSTACK_PORT": str(settings.port),
           "POCKETSTACK_DATA_DIR": str(settings.data_dir.resolve()),
           "POCKETSTACK_DRIVER": settings.driver}
    exec_serve(workers, log_level, started, env, preparing)


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Address to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port for every API (default 8080).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Image data and clouds.yaml (shared by every API process).")] = None,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
    workers: Annotated[int, typer.Option(help="API processes sharing the port.")] = 1,
) -> None:
    """Run the APIs only (no agent): agents run as `pocketstack agent` on each host."""
    import uvicorn

    started = time.monotonic()
    settings = _settings(host, port, data_dir)
    _multiprocess_metrics(settings, workers)
    _prepare(settings)
    sock, *others = listen_sockets(settings.host, settings.port, workers)
    env = {"POCKETSTACK_HOST": settings.host, "POCKETSTACK_PORT": str(settings.port),
           "POCKETSTACK_DATA_DIR": str(settings.data_dir.resolve())}
    pool = WorkerPool([sys.executable, "-m", "pocketstack", "worker", "--fd", "{fd}",
                       "--log-level", log_level], env,
                      [o.fileno() for o in others])
    exit_on_sigterm()
    pool.start()
    try:
        application = api_app(settings)
        print_serving(settings, started, workers)
        config = uvicorn.Config(application, log_level=log_level, **UVICORN_OPTIONS)
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.stop()


def api_app(settings: Settings) -> Any:
    """An API process without an agent. On PostgreSQL its transactions NOTIFY the agents
    (db/wakes.py); on SQLite it sends the wake-up datagram of `serve --workers N`."""
    from pocketstack.app import create_app

    sqlite = not settings.database_url.startswith("postgresql")
    return create_app(settings, embedded_agent=False, agent_wake="send" if sqlite else None)


@app.command()
def agent(
    host: Annotated[str | None, typer.Option("--host", help="This host's name (default: the machine's hostname).")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where image data is read from.")] = None,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "warning",
) -> None:
    """Run one host's agent: register the host, heartbeat, reconcile its servers."""
    import logging

    from pocketstack.agent.runner import run_agent

    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(name)s %(levelname)s %(message)s")
    overrides: dict[str, Any] = {} if host is None else {"agent_host": host}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    settings = Settings(**overrides)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        console.print(f"[green]pocketstack[/] agent for host {settings.hostname} "
                      f"({settings.driver} driver)")
        await run_agent(settings, stop)

    asyncio.run(main())


@app.command(hidden=True)
def worker(
    fd: Annotated[int, typer.Option(help="The listening socket inherited from `serve`.")],
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "warning",
) -> None:
    """One more API process of `api --workers N` (`serve --workers N` starts its own with
    app.run_serve_worker)."""
    import uvicorn

    settings = _settings(None, None, None)
    sock = socket.socket(fileno=fd)
    application = api_app(settings)
    config = uvicorn.Config(application, log_level=log_level, **UVICORN_OPTIONS)
    uvicorn.Server(config).run(sockets=[sock])


@db_app.command("upgrade")
def db_upgrade(data_dir: Annotated[Path | None, typer.Option()] = None) -> None:
    """Bring the database to the current schema."""
    from pocketstack.db import migrate

    settings = _settings(None, None, data_dir)

    async def upgrade(s: Settings) -> None:
        await asyncio.to_thread(migrate.upgrade, s.database_url)

    asyncio.run(_exclusively(settings, upgrade))
    console.print("database is at the current schema")


@db_app.command("check")
def db_check(data_dir: Annotated[Path | None, typer.Option()] = None) -> None:
    """Exit 0 when the models and the migrations agree."""
    from alembic.util.exc import AutogenerateDiffsDetected, CommandError

    from pocketstack.db import migrate

    settings = _settings(None, None, data_dir)
    try:
        migrate.check(settings.database_url)
    except (AutogenerateDiffsDetected, CommandError) as exc:
        console.print(f"[red]models and migrations differ:[/] {exc}")
        raise typer.Exit(1) from None
    console.print("models and migrations agree")


@keys_app.command("rotate")
def keys_rotate(data_dir: Annotated[Path | None, typer.Option()] = None) -> None:
    """Promote the staged key to primary, stage a new one, prune beyond max_active_keys.
    Running API processes pick the new keys up within about a second."""
    from pocketstack.db.engine import Database
    from pocketstack.services import fernet_keys

    settings = _settings(None, None, data_dir)

    async def rotate() -> fernet_keys.KeyRing:
        db = Database(settings.database_url)
        try:
            while True:
                async with db.session(wake=False) as s:
                    ring = await fernet_keys.rotate(s, settings.fernet_tokens.max_active_keys)
                if ring is not None:
                    return ring
        finally:
            await db.dispose()

    ring = asyncio.run(rotate())
    numbers = sorted(ring.keys)
    console.print(f"rotated: primary key {ring.primary}, staged key 0, "
                  f"{len(numbers) - 2} secondary ({', '.join(str(n) for n in numbers[1:-1]) or 'none'})")


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="Address to serve the dashboard on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to serve the dashboard on.")] = 8081,
    data_dir: Annotated[Path | None, typer.Option(help="The cloud's data directory (its clouds.yaml names Keystone).")] = None,
    keystone_url: Annotated[str | None, typer.Option(help="Keystone v3 URL (default: the data directory's).")] = None,
    venv: Annotated[Path | None, typer.Option(help="Horizon's virtual environment (default: under ~/.cache/pocketstack).")] = None,
    workers: Annotated[int, typer.Option(help="Dashboard server processes.")] = 2,
) -> None:
    """Serve the OpenStack dashboard (Horizon) for this cloud, set up on first use."""
    from pocketstack import dashboard as horizon

    settings = _settings(None, None, data_dir)
    python = horizon.environment(venv, console.print)
    keystone = keystone_url or horizon.keystone_url(settings.data_dir,
                                                    f"{settings.base_url}/identity/v3")
    hosts = sorted({host, "127.0.0.1", "localhost"})
    prepared = horizon.prepare(settings.data_dir, python, keystone=keystone, hosts=hosts)
    console.print(f"[green]pocketstack dashboard[/] on http://{host}:{port}/ "
                  f"(Keystone {prepared.keystone_url})")
    command = horizon.serve_command(prepared, host, port, workers)
    os.execve(command[0], command, horizon.run_env(prepared))


@app.command()
def microversions() -> None:
    """Print what each compute microversion changes, as the code declares it."""
    import pocketstack.api.compute.routes  # noqa: F401 - the declarations are made at import
    from pocketstack.api.compute.microversions import fmt, history

    for version, changes in history().items():
        for change in changes:
            typer.echo(f"{fmt(version)}\t{change.area}\t{change.summary}")


@app.command()
def openapi(out: Annotated[Path, typer.Option(help="directory to write the documents to")]) -> None:
    """Write the OpenAPI 3.1 document of every API (compute and block storage at their lowest
    and highest microversions), generated from the route table."""
    from pocketstack.api import openapi as documents
    from pocketstack.api import routes
    from pocketstack.api.routing import Router

    router = Router()
    routes.install(router)
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in documents.files(router).items():
        (out / name).write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n")
        typer.echo(f"{out / name}\t{sum(len(ops) for ops in doc['paths'].values())} operations")


def main() -> None:
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    app(prog_name="pocketstack")


if __name__ == "__main__":
    main()
