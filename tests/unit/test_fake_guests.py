"""The fake driver's simulated guests: suspend, resume, rescue, passwords, diagnostics, the
password a guest posts, per-operation delays, and guests kept on disk across driver instances."""

from __future__ import annotations

import asyncio
import base64
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pocketstack.compute_states import PowerState
from pocketstack.drivers.base import DriverError, ImageFiles, InstanceSpec, Nic, Resources
from pocketstack.drivers.fake import FakeDriver

NAME = "instance-1"


def spec(key_data: str | None = None) -> InstanceSpec:
    return InstanceSpec(name=NAME, server_id="11111111-2222-3333-4444-555555555555",
                        display_name="web-1", hostname="web-1", vcpus=2, ram_mb=512, disk_gb=1,
                        image=ImageFiles("cirros"), user_data=b"#!/bin/sh\n", key_data=key_data,
                        metadata=(("role", "web"),),
                        nics=(Nic("fa:16:3e:00:00:01", "net", "private", ("10.0.0.5",)),))


def driver(data_dir: Path | None = None) -> FakeDriver:
    fake = FakeDriver(Resources(8, 4096, 100), host="h1", delays={}, delays_after={})
    if data_dir is not None:
        fake.use_data_dir(data_dir)
    return fake


async def test_suspend_reports_shutdown_and_resume_continues() -> None:
    fake = driver()
    await fake.spawn(spec())
    await fake.suspend(NAME)
    await fake.suspend(NAME)
    assert await fake.power_state(NAME) == PowerState.SHUTDOWN
    await fake.resume(NAME)
    assert await fake.power_state(NAME) == PowerState.RUNNING
    assert fake.guests_by_name[NAME].boots == 1
    await fake.power_off(NAME)
    with pytest.raises(DriverError):
        await fake.resume(NAME)


async def test_rescue_boots_the_rescue_image_and_unrescue_the_disk() -> None:
    fake = driver()
    await fake.spawn(spec())
    await fake.rescue(NAME, image=ImageFiles("rescue-img"), password="pw")
    await fake.rescue(NAME, image=None, password="other")
    guest = fake.guests_by_name[NAME]
    assert (guest.rescue_image, guest.admin_password, guest.boots) == ("rescue-img", "pw", 2)
    assert "RESCUE MODE" in await fake.console_log(NAME)
    await fake.unrescue(NAME)
    await fake.unrescue(NAME)
    assert guest.rescue_image is None and guest.boots == 3


async def test_admin_password_needs_a_running_guest() -> None:
    fake = driver()
    await fake.spawn(spec())
    await fake.set_admin_password(NAME, "secret")
    assert fake.guests_by_name[NAME].admin_password == "secret"
    await fake.pause(NAME)
    with pytest.raises(DriverError):
        await fake.set_admin_password(NAME, "again")


async def test_diagnostics_follow_flavor_nics_and_uptime() -> None:
    fake = driver()
    await fake.spawn(spec())
    first = await fake.diagnostics(NAME)
    assert first["memory"] == 512 * 1024 and {"cpu0_time", "cpu1_time", "vnet0_rx"} <= set(first)
    assert "cpu2_time" not in first and "vnet1_rx" not in first
    await asyncio.sleep(0.02)
    await fake.reboot(NAME, hard=True)
    second = await fake.diagnostics(NAME)
    assert second["cpu0_time"] > first["cpu0_time"] and second["vda_read_req"] > first["vda_read_req"]


async def test_a_guest_with_an_rsa_key_posts_an_encrypted_password() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key().public_bytes(serialization.Encoding.OpenSSH,
                                           serialization.PublicFormat.OpenSSH).decode()
    fake = driver()
    await fake.spawn(spec(key_data=public))
    posted = await fake.guest_password(NAME)
    assert key.decrypt(base64.b64decode(posted), padding.PKCS1v15())
    other = driver()
    await other.spawn(spec(key_data="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB"))
    assert await other.guest_password(NAME) == ""


async def test_delays_before_and_after_an_operation() -> None:
    fake = driver()
    await fake.spawn(spec())
    fake.delays["pause"] = 0.05
    task = asyncio.create_task(fake.pause(NAME))
    await asyncio.sleep(0.01)
    assert await fake.power_state(NAME) == PowerState.RUNNING
    await task
    fake.delays_after["unpause"] = 0.05
    started = time.monotonic()
    task = asyncio.create_task(fake.unpause(NAME))
    await asyncio.sleep(0.01)
    assert await fake.power_state(NAME) == PowerState.RUNNING and not task.done()
    await task
    assert time.monotonic() - started >= 0.05


async def test_guests_outlive_the_driver_on_disk(tmp_path: Path) -> None:
    first = driver(tmp_path)
    assert first.capabilities.persistent
    await first.spawn(spec())
    await first.pause(NAME)
    log = await first.console_log(NAME)
    second = driver(tmp_path)
    assert await second.guests() == [NAME]
    assert await second.power_state(NAME) == PowerState.PAUSED
    assert await second.console_log(NAME) == log
    restored = second.guests_by_name[NAME].spec
    assert restored == spec() and restored.user_data == b"#!/bin/sh\n"
    await second.destroy(NAME)
    assert await driver(tmp_path).guests() == []
    assert not list((tmp_path / "fake-guests-h1").iterdir())
