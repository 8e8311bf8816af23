"""os-coverage (legacy /v2, admin): 501 with how to enable it by default; with
`coverage_api` on, start / stop / report (text and XML, under the data directory) / reset
of the API's own coverage, 404 to stop what is not running, 400 for bad bodies and paths,
403 for members, 410 under /v2.1. In-process (the measurement is the process's own)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from pocketstack.services import coverage_api
from tests.api.local_cloud import Cloud, local_cloud

pytest.importorskip("coverage")


async def _base(c: Cloud) -> str:
    token = c.client.headers["X-Auth-Token"]
    resp = await c.client.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": token})
    return f"/compute/v2/{resp.json()['token']['project']['id']}/os-coverage/action"


@pytest.fixture
async def enabled(tmp_path: Path) -> AsyncIterator[Cloud]:
    async with local_cloud(tmp_path, coverage_api=True) as c:
        yield c
    coverage_api._state.update(cov=None, running=False)


async def test_off_by_default(tmp_path: Path) -> None:
    async with local_cloud(tmp_path) as c:
        resp = await c.client.post(await _base(c), json={"start": {}})
        assert resp.status_code == 501
        assert "POCKETSTACK_COVERAGE_API=true" in resp.json()["notImplemented"]["message"]
        assert (await c.client.post("/compute/v2.1/os-coverage/action",
                                    json={"start": {}})).status_code == 410


async def test_start_stop_report_reset(enabled: Cloud, tmp_path: Path) -> None:
    base = await _base(enabled)
    assert (await enabled.client.post(base, json={"stop": {}})).status_code == 404
    assert (await enabled.client.post(base, json={"start": {}})).status_code == 200
    assert (await enabled.client.get("/compute/v2.1/flavors")).status_code == 200
    stopped = await enabled.client.post(base, json={"stop": {}})
    assert stopped.status_code == 200
    assert stopped.json() == {"path": str(tmp_path / "coverage")}
    text = await enabled.client.post(base, json={"report": {"file": "report"}})
    assert text.status_code == 200, text.text
    path = Path(text.json()["path"])
    assert path == tmp_path / "coverage" / "report"
    assert "pocketstack" in path.read_text() and "TOTAL" in path.read_text()
    xml = await enabled.client.post(base, json={"report": {"file": "report.xml", "xml": True}})
    assert Path(xml.json()["path"]).read_text().startswith("<?xml")
    assert (await enabled.client.post(base, json={"reset": {}})).status_code == 200
    for bad, message in (({"report": {}}, "No path given for report file"),
                         ({"report": {"file": "../x"}}, "Invalid path"),
                         ({"report": {"file": "a/b"}}, "Invalid path"),
                         ({"jump": {}}, "Coverage doesn't have jump action"),
                         ({"start": {}, "stop": {}}, "Invalid request body")):
        resp = await enabled.client.post(base, json=bad)
        assert resp.status_code == 400, bad
        assert resp.json()["badRequest"]["message"] == message


async def test_members_are_forbidden(enabled: Cloud) -> None:
    token = await enabled.client.post("/identity/v3/auth/tokens", json={"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"id": "default"}, "password": "demo-pw"}}},
        "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
    demo = {"X-Auth-Token": token.headers["X-Subject-Token"]}
    project = token.json()["token"]["project"]["id"]
    resp = await enabled.client.post(f"/compute/v2/{project}/os-coverage/action",
                                     json={"start": {}}, headers=demo)
    assert resp.status_code == 403
