"""os-agents under the legacy /v2 API: the seed's shapes, the ?hypervisor filter, update with
the seed's "para" body, delete, 409 on a duplicate build, 400s, 403 for members; /v2.1 is 410."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.compute_golden import assert_same_shape, golden
from tests.live import Api

MD5 = "add6bb58e139be103324d04d82d8f545"


def v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}/os-agents"


@pytest.fixture
def agent(admin: Api) -> Iterator[dict[str, Any]]:
    body = {"hypervisor": f"xen-{uuid.uuid4().hex[:8]}", "os": "linux", "architecture": "x86",
            "version": "8.0", "url": "http://example.org/agent.tgz", "md5hash": MD5}
    resp = admin.post(v2(admin), json={"agent": body})
    assert resp.status_code == 200, resp.text
    created: dict[str, Any] = resp.json()["agent"]
    yield created
    admin.delete(f"{v2(admin)}/{created['agent_id']}")


def test_create_answers_every_field(admin: Api, agent: dict[str, Any]) -> None:
    assert isinstance(agent["agent_id"], int)
    assert agent["os"] == "linux" and agent["md5hash"] == MD5 and agent["version"] == "8.0"


def test_list_has_the_seed_shape_and_filters_by_hypervisor(admin: Api, agent: dict[str, Any]) -> None:
    resp = admin.get(v2(admin), params={"hypervisor": agent["hypervisor"]})
    assert resp.status_code == 200
    body = resp.json()
    assert_same_shape(golden("seed_os_agents.json"), body)
    assert [a["agent_id"] for a in body["agents"]] == [str(agent["agent_id"])]
    assert admin.get(v2(admin), params={"hypervisor": "no-such"}).json() == {"agents": []}


def test_update_with_para_body(admin: Api, agent: dict[str, Any]) -> None:
    para = {"url": "xxx://xxxx/xxx/xxx", "md5hash": MD5, "version": "7.0"}
    resp = admin.put(f"{v2(admin)}/{agent['agent_id']}", json={"para": para})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_same_shape(golden("seed_os_agents_update.json"), body)
    assert body["agent"] == {"agent_id": str(agent["agent_id"]), **para}
    listed = admin.get(v2(admin), params={"hypervisor": agent["hypervisor"]}).json()["agents"]
    assert listed[0]["version"] == "7.0"


def test_delete_then_404(admin: Api, agent: dict[str, Any]) -> None:
    url = f"{v2(admin)}/{agent['agent_id']}"
    assert admin.delete(url).status_code == 200
    assert admin.delete(url).status_code == 404
    resp = admin.put(url, json={"para": {"url": "http://x/y", "md5hash": MD5, "version": "1"}})
    assert resp.status_code == 404
    assert "itemNotFound" in resp.json()
    assert admin.delete(f"{v2(admin)}/not-a-number").status_code == 404


def test_duplicate_build_conflicts(admin: Api, agent: dict[str, Any]) -> None:
    body = {k: agent[k] for k in ("hypervisor", "os", "architecture", "version", "url", "md5hash")}
    assert admin.post(v2(admin), json={"agent": body}).status_code == 409


@pytest.mark.parametrize("body", [
    {}, {"agent": {}}, {"agent": {"hypervisor": "kvm"}},
    {"agent": {"hypervisor": "kvm", "os": "l", "architecture": "x", "version": "1",
               "url": "http://x", "md5hash": 5}},
    {"agent": {"hypervisor": "kvm", "os": "l", "architecture": "x", "version": "1",
               "url": "http://x", "md5hash": "a", "extra": "x"}},
])
def test_create_rejects_bad_bodies(admin: Api, body: dict[str, Any]) -> None:
    assert admin.post(v2(admin), json=body).status_code == 400


def test_update_rejects_bad_bodies(admin: Api, agent: dict[str, Any]) -> None:
    url = f"{v2(admin)}/{agent['agent_id']}"
    assert admin.put(url, json={"agent": {"url": "http://x"}}).status_code == 400
    assert admin.put(url, json={"para": {"url": "http://x", "version": "1"}}).status_code == 400


def test_members_are_forbidden(member: Api, agent: dict[str, Any]) -> None:
    assert member.get(v2(member)).status_code == 403
    body = {"hypervisor": "kvm", "os": "l", "architecture": "x", "version": "1",
            "url": "http://x", "md5hash": MD5}
    assert member.post(v2(member), json={"agent": body}).status_code == 403
    assert member.delete(f"{v2(member)}/{agent['agent_id']}").status_code == 403


def test_v21_answers_410_gone(admin: Api, member: Api) -> None:
    for api in (admin, member):
        resp = api.get("/compute/v2.1/os-agents")
        assert resp.status_code == 410
        assert resp.json()["computeFault"]["code"] == 410
    assert admin.put("/compute/v2.1/os-agents/1", json={"para": {}}).status_code == 410
