"""Starting the agent: inside the API process (`pocketstack serve`), or on its own."""

from __future__ import annotations

import asyncio
from typing import Any

from pocketstack.agent.loop import Agent, AgentConfig
from pocketstack.db.engine import Database
from pocketstack.drivers.base import Driver, Resources
from pocketstack.services.cloud import Cloud
from pocketstack.settings import Settings


def load_driver(settings: Settings) -> Driver:
    if settings.driver == "fake":
        from pocketstack.drivers.fake import FakeDriver

        fake = settings.fake
        driver = FakeDriver(Resources(fake.vcpus, fake.ram_mb, fake.disk_gb),
                            build_time_s=fake.build_time_s, host=settings.hostname)
        driver.config_drive_format = settings.config_drive_format
        return driver
    if settings.driver == "qemu":
        from pocketstack.drivers.qemu import QemuDriver

        return QemuDriver(settings.qemu)
    raise RuntimeError(f"driver {settings.driver!r} is not available")


def agent_config(settings: Settings) -> AgentConfig:
    return AgentConfig(host=settings.hostname, availability_zone=settings.availability_zone,
                       driver_name=settings.driver, data_dir=settings.data_dir.resolve(),
                       resync_interval_s=settings.resync_interval_s,
                       heartbeat_interval_s=settings.heartbeat_interval_s,
                       usage_audit=settings.instance_usage_audit,
                       volume_copy_pause_s=settings.volume_copy_pause_s)


async def start_embedded_agent(cloud: Cloud) -> Agent:
    """Start the agent loop as tasks of this process and make every commit that leaves work
    wake it (the database's waker); `Agent.stop` ends it."""
    agent = Agent(cloud.db, load_driver(cloud.settings), agent_config(cloud.settings))
    await agent.start()
    cloud.db.waker = agent.wake
    return agent


async def run_agent(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run one host's agent as its own process (settings.agent_host names the host) until
    `stop` is set. On PostgreSQL it is woken by LISTEN/NOTIFY; otherwise by its resync timer.
    It waits for the database whenever the database is unavailable."""
    db = Database(settings.database_url, pool_size=4, max_overflow=4)
    beats = None if db.is_sqlite else Database(settings.database_url, pool_size=1, max_overflow=1)
    agent = Agent(db, load_driver(settings), agent_config(settings), heartbeat_db=beats)
    listener = None
    if not db.is_sqlite:
        # Imported here: asyncpg (3 MB) stays out of the SQLite processes.
        from pocketstack.db.notify import Listener

        listener = Listener(settings.database_url, agent.wake)
    try:
        await agent.start(retry=True)
        if listener is not None:
            listener.start()
        waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(agent.wait())]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        _done, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
        for waiter in pending:
            waiter.cancel()
    finally:
        if listener is not None:
            await listener.stop()
        await agent.stop()
        await db.dispose()
        if beats is not None:
            await beats.dispose()
