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
    _listed: dict[str, str | None] = field(default_factory=dict)

    def headers(self, name: str) -> dict[str, str]:
        # JSON, as the OpenStack clients ask (Glance answers */* with HTML errors).
        headers = {"X-Auth-Token": self.admin.token, "Accept": "application/json"}
        version = DOCUMENTS[name][1]
        if version is not None:
            headers["OpenStack-API-Version"] = version
        return headers

    def base_url(self, name: str) -> str:
        prefix = DOCUMENTS[name][0]
        if prefix == "/volume/v3":
            prefix += f"/{self.admin.project_id}"
        return self.cloud.base_url + prefix

    def real_ids(self, name: str, path: str) -> dict[str, str] | None:
        """Path parameter values that name real resources, found by listing the collection
        before each parameter as the admin (the first item's id, or name); None if any is
        not found. Resources seeded by the fixture make most collections non-empty."""
        values: dict[str, str] = {}
        prefix = self.base_url(name)
        parts = path.strip("/").split("/")
        walked: list[str] = []
        for part in parts:
            if part.startswith("{") and part.endswith("}"):
                found = self._first_id(prefix + "/" + "/".join(walked))
                if found is None:
                    return None
                values[part[1:-1]] = found
                walked.append(found)
            else:
                walked.append(part)
        return values

    def _first_id(self, url: str) -> str | None:
        if url not in self._listed:
            try:
                resp = self.admin.client.get(url, headers=self.headers_for(url))
                body = resp.json() if resp.status_code == 200 else None
            except (httpx.HTTPError, ValueError):
                body = None
            self._listed[url] = _first_id_in(body)
        return self._listed[url]

    def headers_for(self, url: str) -> dict[str, str]:
        if "/compute/" in url:
            return {"OpenStack-API-Version": "compute 2.104"}
        if "/volume/" in url:
            return {"OpenStack-API-Version": "volume 3.71"}
        return {}

    def schema(self, name: str) -> Any:
        prefix, version = DOCUMENTS[name]
        headers = {} if version is None else {"OpenStack-API-Version": version}
        doc = httpx.get(f"{self.cloud.base_url}{prefix}/openapi.json", headers=headers,
                        timeout=60).json()
        return schemathesis.openapi.from_dict(_with_project(doc, self.cloud.base_url,
                                                            self.admin.project_id))


def _first_id_in(body: Any) -> str | None:
    """The id (or name) of the first item of the first non-empty list in a list body."""
    if not isinstance(body, dict):
        return None
    for value in body.values():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for key in ("id", "uuid", "name", "key", "hypervisor_hostname", "host_name"):
                if isinstance(value[0].get(key), (str, int)):
                    return str(value[0][key])
        if isinstance(value, list) and value and isinstance(value[0], str):
            return value[0]
        if isinstance(value, dict) and value and all(isinstance(v, str) for v in value.values()):
            return next(iter(value))   # metadata {"key": "value"}
    return None


def _seed(cloud: LiveCloud, admin: Api) -> None:
    """A few resources of the admin's project, so that reads by real ids reach the code."""
    net = admin.post("/network/v2.0/networks", json={"network": {"name": "fuzz"}}).json()
    admin.post("/network/v2.0/subnets", json={"subnet": {
        "network_id": net["network"]["id"], "cidr": "10.99.0.0/24", "ip_version": 4}})
    admin.post("/network/v2.0/ports", json={"port": {"network_id": net["network"]["id"]}})
    admin.post("/network/v2.0/routers", json={"router": {"name": "fuzz"}})
    admin.post("/network/v2.0/security-groups", json={"security_group": {"name": "fuzz"}})
    admin.post("/compute/v2.1/os-keypairs", json={"keypair": {"name": "fuzz"}})
    image = admin.get("/image/v2/images").json()["images"][0]["id"]
    flavor = admin.get("/compute/v2.1/flavors").json()["flavors"][0]["id"]
    admin.post("/compute/v2.1/servers", json={"server": {
        "name": "fuzz", "imageRef": image, "flavorRef": flavor, "metadata": {"fuzz": "1"},
        "networks": [{"uuid": net["network"]["id"]}]}})
    admin.post(f"/volume/v3/{admin.project_id}/volumes", json={"volume": {"size": 1,
                                                                          "name": "fuzz"}})
    admin.post("/compute/v2.1/os-server-groups", json={"server_group": {
        "name": "fuzz", "policies": ["affinity"]}})
    admin.post("/compute/v2.1/os-aggregates", json={"aggregate": {"name": "fuzz"}})


def _with_project(doc: dict[str, Any], base_url: str, project_id: str) -> dict[str, Any]:
    """The document with an absolute server URL, the admin's project in it (block storage's
    /volume/v3/{project_id}); a `{project_id}` of a path stays a parameter to fuzz."""
    doc["servers"] = [{"url": base_url + doc["servers"][0]["url"].replace(
        "{project_id}", project_id)}]
    return doc


@pytest.fixture(scope="session")
def fuzzed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzzed]:
    cloud = start_cloud(Path(tmp_path_factory.mktemp("fuzzed")),
                        extra_env={"POCKETSTACK_LOG__REQUESTS": "true"})
    admin = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    _seed(cloud, admin)
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
