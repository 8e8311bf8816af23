"""The nova-network tests get a live cloud of their own: as admin they make networks of no
project, which every project then sees, and a server booted elsewhere without `networks` would
find more than one network to choose from."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.live import ADMIN_PASSWORD, DEMO_PASSWORD, Api, LiveCloud, login, start_cloud


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    live = start_cloud(Path(tmp_path_factory.mktemp("pocketstack-nova-network")))
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
