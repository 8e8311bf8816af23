"""Shared fixtures: one live pocketstack per test session, an admin, and a fresh project and
user per test (tenants are walls, so tests never see each other and no reset is needed)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.live import ADMIN_PASSWORD, DEMO_PASSWORD, Api, LiveCloud, login, new_member, start_cloud


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    live = start_cloud(Path(tmp_path_factory.mktemp("pocketstack")),
                       extra_env={"POCKETSTACK_LOG__REQUESTS": "true",   # read by test_operations
                                  # The shared admin posts far more than 10 a minute under /v2:
                                  # tests/api/test_compute_rate_limits.py has a cloud with them.
                                  "POCKETSTACK_RATE_LIMITS__ENABLED": "false"})
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="session")
def admin(cloud: LiveCloud) -> Iterator[Api]:
    api = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    yield api
    api.close()


@pytest.fixture(scope="session")
def demo(cloud: LiveCloud) -> Iterator[Api]:
    api = login(cloud, "demo", DEMO_PASSWORD, "demo")
    yield api
    api.close()


@pytest.fixture
def make_member(cloud: LiveCloud, admin: Api) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(**kwargs: object) -> Api:
        api = new_member(cloud, admin, **kwargs)  # type: ignore[arg-type]
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def member(make_member: Callable[..., Api]) -> Api:
    return make_member()


@pytest.fixture
def other_member(make_member: Callable[..., Api]) -> Api:
    return make_member()
