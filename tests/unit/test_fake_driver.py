"""The fake driver: idempotent calls, power transitions, console log, fault injection, holds."""

from __future__ import annotations

import asyncio

import pytest

from pocketstack.compute_states import PowerState
from pocketstack.drivers.base import (
    DriverError,
    GuestNotFound,
    ImageFiles,
    InstanceSpec,
    Nic,
    Resources,
)
from pocketstack.drivers.fake import FakeDriver


def spec(name: str = "instance-1", display: str = "web-1") -> InstanceSpec:
    return InstanceSpec(name=name, server_id="11111111-2222-3333-4444-555555555555",
                        display_name=display, hostname=display, vcpus=2, ram_mb=512, disk_gb=1,
                        image=ImageFiles("cirros"),
                        nics=(Nic("fa:16:3e:00:00:01", "net", "private", ("10.0.0.5",)),))


@pytest.fixture
def fake() -> FakeDriver:
    return FakeDriver(Resources(vcpus=8, ram_mb=4096, disk_gb=100), host="h1")


async def test_spawn_runs_guest_and_is_idempotent(fake: FakeDriver) -> None:
    assert await fake.power_state("instance-1") is None
    await fake.spawn(spec())
    await fake.spawn(spec())
    assert await fake.power_state("instance-1") == PowerState.RUNNING
    assert await fake.guests() == ["instance-1"]
    assert fake.guests_by_name["instance-1"].boots == 1


async def test_console_names_the_server_and_grows_with_boots(fake: FakeDriver) -> None:
    await fake.spawn(spec())
    first = await fake.console_log("instance-1")
    assert "web-1" in first and "11111111-2222-3333-4444-555555555555" in first
    assert "10.0.0.5" in first
    assert len(first.splitlines()) >= 10
    await fake.reboot("instance-1", hard=False)
    second = await fake.console_log("instance-1")
    assert second.startswith(first) and len(second) > len(first)
    assert "boot 2" in second
    assert (await fake.console_log("instance-1", tail=3)).count("\n") == 3
    assert await fake.console_log("instance-1", tail=0) == ""
    assert await fake.console_log("absent") == ""


async def test_power_transitions(fake: FakeDriver) -> None:
    await fake.spawn(spec())
    await fake.pause("instance-1")
    await fake.pause("instance-1")
    assert await fake.power_state("instance-1") == PowerState.PAUSED
    with pytest.raises(DriverError):
        await fake.power_on("instance-1")
    await fake.unpause("instance-1")
    await fake.power_off("instance-1", timeout_s=0)
    await fake.power_off("instance-1", timeout_s=0)
    assert await fake.power_state("instance-1") == PowerState.SHUTDOWN
    with pytest.raises(DriverError):
        await fake.pause("instance-1")
    with pytest.raises(DriverError):
        await fake.reboot("instance-1", hard=False)
    await fake.power_on("instance-1")
    assert await fake.power_state("instance-1") == PowerState.RUNNING
    assert fake.guests_by_name["instance-1"].boots == 2


async def test_destroy_is_idempotent_and_power_ops_need_a_guest(fake: FakeDriver) -> None:
    await fake.spawn(spec())
    await fake.destroy("instance-1")
    await fake.destroy("instance-1")
    assert await fake.power_state("instance-1") is None
    with pytest.raises(GuestNotFound):
        await fake.power_on("instance-1")


async def test_fail_next_fails_once_and_leaves_nothing(fake: FakeDriver) -> None:
    fake.fail_next("spawn", DriverError("no space left"))
    with pytest.raises(DriverError, match="no space left"):
        await fake.spawn(spec())
    assert await fake.guests() == []
    await fake.spawn(spec())
    assert await fake.power_state("instance-1") == PowerState.RUNNING
    with pytest.raises(ValueError):
        fake.fail_next("explode")


async def test_hold_blocks_until_release(fake: FakeDriver) -> None:
    fake.hold("spawn")
    task = asyncio.create_task(fake.spawn(spec()))
    await asyncio.sleep(0.01)
    assert not task.done() and await fake.power_state("instance-1") is None
    fake.release("spawn")
    await asyncio.wait_for(task, 1)
    assert await fake.power_state("instance-1") == PowerState.RUNNING


async def test_build_time_delays_the_guest(fake: FakeDriver) -> None:
    fake.build_time_s = 0.05
    task = asyncio.create_task(fake.spawn(spec()))
    await asyncio.sleep(0.01)
    assert await fake.power_state("instance-1") is None
    await task
    assert await fake.power_state("instance-1") == PowerState.RUNNING
