"""The fuzzed cloud: one live pocketstack of its own (so nothing the fuzzer creates reaches
other tests), an admin token, and one Schemathesis schema per API loaded from the document
the cloud serves, with the admin's project in place of `{project_id}`."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis

from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, start_cloud


@dataclass
class Tally:
    operations: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)
    cases: int = 0
    statuses: Counter[str] = field(default_factory=Counter)


# fixture name -> (document prefix, microversion header or None)
DOCUMENTS: dict[str, tuple[str, str | None]] = {
    "compute_2_1": ("/compute/v2.1", None),
    "compute_latest": ("/compute/v2.1", "compute 2.104"),
    "identity_v3": ("/identity/v3", None),
    "identity_v2": ("/identity/v2.0", None),
    "image": ("/image/v2", None),
    "network": ("/network/v2.0", None),
    "volume": ("/volume/v3", "volume 3.71"),
}
RESULTS: dict[str, Tally] = {name: Tally() for name in DOCUMENTS}


@dataclass
class Fuzzed:
    cloud: LiveCloud
    admin: Api

    def headers(self, name: str) -> dict[str, str]:
        headers = {"X-Auth-Token": self.admin.token}
        version = DOCUMENTS[name][1]
        if version is not None:
            headers["OpenStack-API-Version"] = version
        return headers

    def base_url(self, name: str) -> str:
        prefix = DOCUMENTS[name][0]
        if prefix == "/volume/v3":
            prefix += f"/{self.admin.project_id}"
        return self.cloud.base_url + prefix

    def schema(self, name: str) -> Any:
        prefix, version = DOCUMENTS[name]
        headers = {} if version is None else {"OpenStack-API-Version": version}
        doc = httpx.get(f"{self.cloud.base_url}{prefix}/openapi.json", headers=headers,
                        timeout=60).json()
        return schemathesis.openapi.from_dict(_with_project(doc, self.cloud.base_url,
                                                            self.admin.project_id))


def _with_project(doc: dict[str, Any], base_url: str, project_id: str) -> dict[str, Any]:
    """The document with the admin's project in its server URL and paths."""
    doc["servers"] = [{"url": base_url + doc["servers"][0]["url"].replace(
        "{project_id}", project_id)}]
    paths: dict[str, Any] = {}
    for path, operations in doc["paths"].items():
        path = path.replace("{project_id}", project_id)
        for operation in operations.values():
            if "parameters" in operation:
                operation["parameters"] = [p for p in operation["parameters"]
                                           if not (p["in"] == "path" and p["name"] == "project_id")]
        paths[path] = operations
    doc["paths"] = paths
    return doc


@pytest.fixture(scope="session")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    cloud = start_cloud(Path(tmp_path_factory.mktemp("fuzzed")))
    admin = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        yield Fuzzed(cloud, admin)
    finally:
        admin.close()
        cloud.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not any(tally.cases for tally in RESULTS.values()):
        return
    terminalreporter.section("fuzz summary")
    total = Tally()
    for name, tally in RESULTS.items():
        if tally.cases:
            terminalreporter.line(f"{name}: {len(tally.operations)} operations, {tally.cases} "
                                  f"cases, {len(tally.failed)} failing operations; answers "
                                  f"{dict(sorted(tally.statuses.items()))}")
            total.statuses.update(tally.statuses)
            total.cases += tally.cases
            total.operations |= {f"{name} {op}" for op in tally.operations}
            total.failed |= {f"{name} {op}" for op in tally.failed}
    terminalreporter.line(f"total: {len(total.operations)} operations, {total.cases} cases, "
                          f"{len(total.failed)} failing operations; answers "
                          f"{dict(sorted(total.statuses.items()))}")
