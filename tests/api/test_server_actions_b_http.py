"""Server actions over real HTTP against the live cloud: tenancy (404), admin-only actions (403),
wrong states (409), the single host's migrate (400), floating IPs, security groups, fixed IPs."""

from __future__ import annotations

import time
from typing import Any

from tests.helpers import CIRROS_ID
from tests.live import Api

PRIVATE_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"


def boot(api: Api, name: str = "b-vm") -> str:
    resp = api.post("/compute/v2.1/servers", json={"server": {
        "name": name, "imageRef": CIRROS_ID, "flavorRef": "1"}})
    assert resp.status_code == 202, resp.text
    server_id = str(resp.json()["server"]["id"])
    wait(api, server_id, "ACTIVE")
    return server_id


def wait(api: Api, server_id: str, status: str, timeout: float = 20) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        server: dict[str, Any] = api.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
        if server["status"] == status and server["OS-EXT-STS:task_state"] is None:
            return server
        assert time.monotonic() < deadline, server
        time.sleep(0.05)


def act(api: Api, server_id: str, body: dict[str, Any]) -> Any:
    return api.post(f"/compute/v2.1/servers/{server_id}/action", json=body)


def test_tenancy_admin_only_and_states(member: Api, other_member: Api, admin: Api) -> None:
    server_id = boot(member)
    for body in ({"rebuild": {"imageRef": CIRROS_ID}}, {"resize": {"flavorRef": "2"}},
                 {"createImage": {"name": "x"}}, {"shelve": None}, {"confirmResize": None},
                 {"createBackup": {"name": "b", "backup_type": "daily", "rotation": 1}},
                 {"addSecurityGroup": {"name": "default"}}):
        assert act(other_member, server_id, body).status_code == 404, body
    live = {"os-migrateLive": {"host": None, "block_migration": False, "disk_over_commit": False}}
    for body in ({"migrate": None}, {"shelveOffload": None}, live):
        resp = act(member, server_id, body)
        assert resp.status_code == 403, (body, resp.text)
    for body in ({"confirmResize": None}, {"revertResize": None}, {"unshelve": None},
                 {"restore": None}):
        resp = act(member, server_id, body)
        assert resp.status_code == 409, (body, resp.text)
        assert "while it is in vm_state active" in resp.json()["conflictingRequest"]["message"]
    no_host = act(admin, server_id, {"migrate": None})
    assert no_host.status_code == 400
    assert no_host.json()["badRequest"]["message"].startswith("No valid host was found")
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204


def test_rebuild_and_resize_over_http(member: Api) -> None:
    server_id = boot(member)
    resp = act(member, server_id, {"rebuild": {"imageRef": CIRROS_ID, "name": "rebuilt"}})
    assert resp.status_code == 202, resp.text
    body = resp.json()["server"]
    assert body["status"] == "REBUILD" and body["adminPass"] and body["name"] == "rebuilt"
    wait(member, server_id, "ACTIVE")
    assert act(member, server_id, {"resize": {"flavorRef": "2"}}).status_code == 202
    server = wait(member, server_id, "VERIFY_RESIZE")
    assert server["flavor"]["id"] == "2"
    assert act(member, server_id, {"confirmResize": None}).status_code == 204
    assert wait(member, server_id, "ACTIVE")["flavor"]["id"] == "2"
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204


def test_floating_ip_lifecycle(member: Api, other_member: Api) -> None:
    server_id = boot(member)
    resp = member.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_NETWORK_ID}})
    assert resp.status_code == 201, resp.text
    fip = resp.json()["floatingip"]
    assert fip["floating_ip_address"].startswith("172.24.4.") and fip["status"] == "DOWN"
    assert fip["port_id"] is None and fip["project_id"] == member.project_id
    address = fip["floating_ip_address"]
    assert other_member.get(f"/network/v2.0/floatingips/{fip['id']}").status_code == 404
    assert act(other_member, server_id, {"addFloatingIp": {"address": address}}).status_code == 404
    assert act(member, server_id, {"addFloatingIp": {"address": address}}).status_code == 202
    server = member.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
    found = [a for items in server["addresses"].values() for a in items]
    assert {a["OS-EXT-IPS:type"] for a in found} == {"fixed", "floating"}
    assert address in [a["addr"] for a in found if a["OS-EXT-IPS:type"] == "floating"]
    shown = member.get(f"/network/v2.0/floatingips/{fip['id']}").json()["floatingip"]
    assert shown["status"] == "ACTIVE" and shown["port_id"] and shown["fixed_ip_address"]
    assert act(member, server_id, {"removeFloatingIp": {"address": address}}).status_code == 202
    again = act(member, server_id, {"removeFloatingIp": {"address": address}})
    assert again.status_code == 409
    assert act(member, server_id, {"addFloatingIp": {"address": "10.9.9.9"}}).status_code == 404
    bad = member.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PRIVATE_NETWORK_ID}})
    assert bad.status_code == 400
    listed = member.get("/network/v2.0/floatingips").json()["floatingips"]
    assert [f["id"] for f in listed] == [fip["id"]]
    assert member.delete(f"/network/v2.0/floatingips/{fip['id']}").status_code == 204
    assert member.get(f"/network/v2.0/floatingips/{fip['id']}").status_code == 404
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204


def test_security_groups_and_fixed_ips(member: Api) -> None:
    server_id = boot(member)
    group = member.post("/network/v2.0/security-groups", json={"security_group": {"name": "web"}})
    assert group.status_code == 201, group.text
    assert act(member, server_id, {"addSecurityGroup": {"name": "web"}}).status_code == 202
    server = member.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
    assert {g["name"] for g in server["security_groups"]} == {"default", "web"}
    assert act(member, server_id, {"addSecurityGroup": {"name": "web"}}).status_code == 202
    server = member.get(f"/compute/v2.1/servers/{server_id}").json()["server"]
    assert len(server["security_groups"]) == 2
    missing = act(member, server_id, {"addSecurityGroup": {"name": "nope"}})
    assert missing.status_code == 404
    assert missing.json()["itemNotFound"]["message"] == (
        f"Security group nope is not found for project {member.project_id}")
    assert act(member, server_id, {"removeSecurityGroup": {"name": "web"}}).status_code == 202
    assert act(member, server_id, {"removeSecurityGroup": {"name": "web"}}).status_code == 404
    resp = act(member, server_id, {"addFixedIp": {"networkId": PRIVATE_NETWORK_ID}})
    assert resp.status_code == 202, resp.text
    ips = member.get(f"/compute/v2.1/servers/{server_id}/ips").json()["addresses"]
    addresses = [a["addr"] for items in ips.values() for a in items if a["version"] == 4]
    assert len(addresses) == 2
    resp = act(member, server_id, {"removeFixedIp": {"address": addresses[-1]}})
    assert resp.status_code == 202, resp.text
    gone = act(member, server_id, {"removeFixedIp": {"address": "10.1.1.1"}})
    assert gone.status_code == 400
    assert gone.json()["badRequest"]["message"] == (
        f"Instance {server_id} doesn't have fixed IP '10.1.1.1'.")
    public = act(member, server_id, {"addFixedIp": {"networkId": PUBLIC_NETWORK_ID}})
    assert public.status_code == 404
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204


def test_floating_ip_quota_and_fixed_address(member: Api, admin: Api) -> None:
    resp = admin.put(f"/network/v2.0/quotas/{member.project_id}", json={"quota": {"floatingip": 1}})
    assert resp.status_code == 200, resp.text
    wanted = member.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_NETWORK_ID, "floating_ip_address": "172.24.4.200"}})
    assert wanted.status_code == 201, wanted.text
    assert wanted.json()["floatingip"]["floating_ip_address"] == "172.24.4.200"
    over = member.post("/network/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": PUBLIC_NETWORK_ID}})
    assert over.status_code == 409
    assert over.json()["NeutronError"]["type"] == "OverQuota"
    fip_id = wanted.json()["floatingip"]["id"]
    assert member.delete(f"/network/v2.0/floatingips/{fip_id}").status_code == 204


def test_compute_floating_ip_proxy(member: Api, other_member: Api) -> None:
    pools = member.get("/compute/v2.1/os-floating-ip-pools")
    assert pools.status_code == 200 and {"name": "public"} in pools.json()["floating_ip_pools"]
    created = member.post("/compute/v2.1/os-floating-ips", json={"pool": "public"})
    assert created.status_code == 200, created.text
    fip = created.json()["floating_ip"]
    assert set(fip) == {"id", "ip", "pool", "fixed_ip", "instance_id"}
    assert fip["pool"] == "public" and fip["instance_id"] is None and fip["fixed_ip"] is None
    assert member.post("/compute/v2.1/os-floating-ips",
                       json={"pool": "nope"}).status_code == 404
    server_id = boot(member)
    assert act(member, server_id, {"addFloatingIp": {"address": fip["ip"]}}).status_code == 202
    shown = member.get(f"/compute/v2.1/os-floating-ips/{fip['id']}").json()["floating_ip"]
    assert shown["instance_id"] == server_id and shown["fixed_ip"]
    listed = member.get("/compute/v2.1/os-floating-ips").json()["floating_ips"]
    assert [f["id"] for f in listed] == [fip["id"]]
    assert other_member.get(f"/compute/v2.1/os-floating-ips/{fip['id']}").status_code == 404
    assert member.delete(f"/compute/v2.1/os-floating-ips/{fip['id']}").status_code == 202
    gone = member.get(f"/compute/v2.1/os-floating-ips/{fip['id']}")
    assert gone.status_code == 404
    assert gone.json()["itemNotFound"]["message"] == f"Floating IP not found for ID {fip['id']}"
    assert member.delete(f"/compute/v2.1/servers/{server_id}").status_code == 204
