"""The compute resources other than servers at each microversion that changes them, against
Nova's api_samples (tests/golden/compute/nova_resources, named <area>-<version>-<sample>) and
messages: keypairs (2.2, 2.10, 2.35, 2.92), flavors (2.7, 2.55, 2.61, 2.75, 2.86, 2.102),
server groups (2.13, 2.15, 2.64), quota sets, quota class sets and limits (2.36, 2.50, 2.57)
and simple tenant usage (2.40). The whole app in one process; it serves every version Nova
has (the advertised maximum is raised here as it is once every version is declared)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.api.local_cloud import Cloud, local_cloud
from tests.helpers import CIRROS_ID

V21 = "/compute/v2.1"
SAMPLES = Path(__file__).resolve().parent.parent / "golden" / "compute" / "nova_resources"


def sample(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


def at(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"compute {version}"}


def message(resp: httpx.Response) -> str:
    return str(next(iter(resp.json().values()))["message"])


def keys(body: dict[str, Any]) -> set[str]:
    return set(body)


class Local(Cloud):
    demo: httpx.AsyncClient

    async def get(self, path: str, version: str, *, demo: bool = False,
                  **params: Any) -> httpx.Response:
        client = self.demo if demo else self.client
        return await client.get(f"{V21}{path}", headers=at(version), params=params)

    async def put(self, path: str, version: str, body: Any, *,
                  demo: bool = False) -> httpx.Response:
        client = self.demo if demo else self.client
        return await client.put(f"{V21}{path}", headers=at(version), json=body)

    async def post(self, path: str, version: str, body: Any, *,
                   demo: bool = False) -> httpx.Response:
        client = self.demo if demo else self.client
        return await client.post(f"{V21}{path}", headers=at(version), json=body)

    async def delete(self, path: str, version: str, *, demo: bool = False,
                     **params: Any) -> httpx.Response:
        client = self.demo if demo else self.client
        return await client.delete(f"{V21}{path}", headers=at(version), params=params)

    async def ids(self) -> dict[str, str]:
        """The ids of the users and projects admin and demo."""
        found: dict[str, str] = {}
        for kind in ("users", "projects"):
            resp = await self.client.get(f"/identity/v3/{kind}")
            for item in resp.json()[kind]:
                found[f"{kind[:-1]}:{item['name']}"] = item["id"]
        return found

    async def legacy_root(self) -> str:
        return f"/compute/v2/{(await self.ids())['project:admin']}"



@pytest.fixture
async def cloud(tmp_path: Path) -> AsyncIterator[Local]:
    async with local_cloud(tmp_path, Local) as c:
        token = await c.client.post("/identity/v3/auth/tokens", json={"auth": {
            "identity": {"methods": ["password"], "password": {"user": {
                "name": "demo", "domain": {"id": "default"}, "password": "demo-pw"}}},
            "scope": {"project": {"name": "demo", "domain": {"id": "default"}}}}})
        assert token.status_code == 201, token.text
        async with httpx.AsyncClient(transport=c.client._transport, base_url=c.client.base_url,
                                     headers={"X-Auth-Token": token.headers["X-Subject-Token"]}
                                     ) as demo:
            c.demo = demo
            yield c


# --- keypairs ---------------------------------------------------------------------------------

KEYPAIR_IMPORT = sample("os-keypairs-v2.92-keypairs-import-post-req.json")["keypair"]
PUBLIC_KEY = KEYPAIR_IMPORT["public_key"]


async def test_keypairs_2_1_and_2_2(cloud: Local) -> None:
    resp = await cloud.post("/os-keypairs", "2.1", {"keypair": {"name": "old",
                                                                "public_key": PUBLIC_KEY}})
    assert resp.status_code == 200 and "type" not in resp.json()["keypair"]
    resp = await cloud.post("/os-keypairs", "2.1", {"keypair": {"name": "t", "type": "ssh"}})
    assert resp.status_code == 400
    # 2.2: type in every view, 201 on create (generated or imported), 204 on delete.
    resp = await cloud.post("/os-keypairs", "2.2", {"keypair": {"name": "gen"}})
    assert resp.status_code == 201, resp.text
    golden = sample("os-keypairs-v2.2-keypairs-post-resp.json")["keypair"]
    assert keys(resp.json()["keypair"]) == keys(golden)
    assert resp.json()["keypair"]["type"] == "ssh"
    resp = await cloud.post("/os-keypairs", "2.2", {"keypair": {"name": "imp",
                                                                "public_key": PUBLIC_KEY}})
    golden = sample("os-keypairs-v2.2-keypairs-import-post-resp.json")["keypair"]
    assert resp.status_code == 201 and keys(resp.json()["keypair"]) == keys(golden)
    assert resp.json()["keypair"]["fingerprint"] == "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"
    shown = (await cloud.get("/os-keypairs/imp", "2.2")).json()["keypair"]
    assert keys(shown) == keys(sample("os-keypairs-v2.2-keypairs-get-resp.json")["keypair"])
    assert "type" not in (await cloud.get("/os-keypairs/imp", "2.1")).json()["keypair"]
    listed = (await cloud.get("/os-keypairs", "2.2")).json()
    golden = sample("os-keypairs-v2.2-keypairs-list-resp.json")
    assert keys(listed) == keys(golden) == {"keypairs"}
    assert [keys(k["keypair"]) for k in listed["keypairs"]] == \
        [keys(golden["keypairs"][0]["keypair"])] * 3
    resp = await cloud.post("/os-keypairs", "2.2", {"keypair": {"name": "t", "type": "rsa"}})
    assert resp.status_code == 400
    assert (await cloud.delete("/os-keypairs/imp", "2.1")).status_code == 202
    resp = await cloud.delete("/os-keypairs/gen", "2.2")
    assert resp.status_code == 204 and resp.content == b""


async def test_keypair_x509(cloud: Local) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    resp = await cloud.post("/os-keypairs", "2.2", {"keypair": {"name": "win", "type": "x509"}})
    assert resp.status_code == 201, resp.text
    made = resp.json()["keypair"]
    cert = x509.load_pem_x509_certificate(made["public_key"].encode())
    digest = cert.fingerprint(hashes.SHA1()).hex()
    assert made["fingerprint"] == ":".join(digest[i:i + 2] for i in range(0, 40, 2))
    assert made["type"] == "x509" and made["private_key"]
    again = await cloud.post("/os-keypairs", "2.2", {"keypair": {
        "name": "win2", "type": "x509", "public_key": made["public_key"]}})
    assert again.status_code == 201 and again.json()["keypair"]["fingerprint"] == made["fingerprint"]
    bad = await cloud.post("/os-keypairs", "2.2", {"keypair": {
        "name": "win3", "type": "x509", "public_key": PUBLIC_KEY}})
    assert bad.status_code == 400
    assert message(bad).startswith("Keypair data is invalid: failed to generate X509 fingerprint.")


async def test_keypairs_of_another_user_from_2_10(cloud: Local) -> None:
    ids = await cloud.ids()
    demo = ids["user:demo"]
    body = {"keypair": {"name": "for-demo", "public_key": PUBLIC_KEY, "user_id": demo}}
    assert (await cloud.post("/os-keypairs", "2.9", body)).status_code == 400
    resp = await cloud.post("/os-keypairs", "2.10", body)
    assert resp.status_code == 201, resp.text
    assert resp.json()["keypair"]["user_id"] == demo
    golden = sample("os-keypairs-v2.10-keypairs-post-resp.json")["keypair"]
    gen = await cloud.post("/os-keypairs", "2.10", {"keypair": {"name": "gen", "user_id": demo}})
    assert keys(gen.json()["keypair"]) == keys(golden)
    # The demo user sees them as its own; admin sees them with ?user_id (ignored before 2.10).
    mine = (await cloud.get("/os-keypairs", "2.10", demo=True)).json()["keypairs"]
    assert [k["keypair"]["name"] for k in mine] == ["for-demo", "gen"]
    assert (await cloud.get("/os-keypairs", "2.9", user_id=demo)).json()["keypairs"] == []
    listed = (await cloud.get("/os-keypairs", "2.10", user_id=demo)).json()
    assert listed == {"keypairs": mine}
    assert keys(listed["keypairs"][0]["keypair"]) == keys(
        sample("os-keypairs-v2.10-keypairs-list-resp.json")["keypairs"][0]["keypair"])
    shown = await cloud.get("/os-keypairs/for-demo", "2.10", user_id=demo)
    assert shown.status_code == 200
    assert keys(shown.json()["keypair"]) == keys(
        sample("os-keypairs-v2.10-keypairs-get-resp.json")["keypair"])
    assert shown.json()["keypair"]["user_id"] == demo
    resp = await cloud.get("/os-keypairs/for-demo", "2.9", user_id=demo)
    assert resp.status_code == 404
    assert message(resp) == f"Keypair for-demo not found for user {ids['user:admin']}"
    # A member may not name another user.
    resp = await cloud.get("/os-keypairs", "2.10", demo=True, user_id=ids["user:admin"])
    assert resp.status_code == 403
    assert message(resp) == "Policy doesn't allow os_compute_api:os-keypairs:index to be performed."
    resp = await cloud.post("/os-keypairs", "2.10", {"keypair": {
        "name": "x", "user_id": ids["user:admin"]}}, demo=True)
    assert resp.status_code == 403
    assert (await cloud.get("/os-keypairs/gen", "2.10", demo=True,
                            user_id=demo)).status_code == 200
    assert (await cloud.delete("/os-keypairs/gen", "2.10", user_id=demo)).status_code == 204
    assert (await cloud.get("/os-keypairs/gen", "2.10", demo=True)).status_code == 404


async def test_keypairs_paged_from_2_35(cloud: Local) -> None:
    ids = await cloud.ids()
    for name in ("c", "a", "b"):
        resp = await cloud.post("/os-keypairs", "2.35", {"keypair": {"name": name,
                                                                     "public_key": PUBLIC_KEY}})
        assert resp.status_code == 201
    first = (await cloud.get("/os-keypairs", "2.35", limit="1")).json()
    golden = sample("os-keypairs-v2.35-keypairs-list-resp.json")
    assert keys(first) == keys(golden)
    assert [k["keypair"]["name"] for k in first["keypairs"]] == ["a"]
    assert first["keypairs_links"] == [{
        "href": "http://127.0.0.1:8080/compute/v2.1/os-keypairs?limit=1&marker=a",
        "rel": "next"}]
    page = (await cloud.get("/os-keypairs", "2.35", limit="2", marker="a")).json()
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["b", "c"]
    assert page["keypairs_links"][0]["href"].endswith("?limit=2&marker=c")
    whole = (await cloud.get("/os-keypairs", "2.35")).json()
    assert keys(whole) == {"keypairs"} and len(whole["keypairs"]) == 3
    # Before 2.35 limit and marker are ignored.
    old = (await cloud.get("/os-keypairs", "2.34", limit="1", marker="zz")).json()
    assert keys(old) == {"keypairs"} and len(old["keypairs"]) == 3
    resp = await cloud.get("/os-keypairs", "2.35", marker="zz")
    assert (resp.status_code, message(resp)) == (400, "Marker zz could not be found.")
    resp = await cloud.get("/os-keypairs", "2.35", limit="-1")
    assert resp.status_code == 400
    # The user2 sample: the link keeps user_id (Nova's code sorts the request's parameters
    # and then sets the marker, so a new marker comes last; the sample shows it sorted).
    other = ids["user:demo"]
    for name in ("k1", "k2"):
        await cloud.post("/os-keypairs", "2.35", {"keypair": {
            "name": name, "public_key": PUBLIC_KEY, "user_id": other}})
    paged = (await cloud.get("/os-keypairs", "2.35", user_id=other, limit="1")).json()
    assert keys(paged) == keys(sample("os-keypairs-v2.35-keypairs-list-user2-resp.json"))
    assert paged["keypairs_links"][0]["href"].endswith(f"?limit=1&user_id={other}&marker=k1")
    # 2.75: unknown query parameters refused.
    assert (await cloud.get("/os-keypairs", "2.74", foo="1")).status_code == 200
    resp = await cloud.get("/os-keypairs", "2.75", foo="1")
    assert (resp.status_code, message(resp)) == (
        400, "Additional properties are not allowed ('foo' was unexpected)")
    resp = await cloud.get("/os-keypairs/a", "2.75", limit="1")
    assert resp.status_code == 400


async def test_keypairs_import_only_from_2_92(cloud: Local) -> None:
    resp = await cloud.post("/os-keypairs", "2.92", {"keypair": KEYPAIR_IMPORT})
    assert resp.status_code == 201, resp.text
    assert resp.json() == sample("os-keypairs-v2.92-keypairs-import-post-resp.json")
    generate = sample("os-keypairs-v2.92-keypairs-post-req.json")
    resp = await cloud.post("/os-keypairs", "2.92", generate)
    assert resp.status_code == 400
    assert "public_key" in message(resp)
    # Before 2.92 the name may not hold '@' or '.'.
    resp = await cloud.post("/os-keypairs", "2.91", {"keypair": {**KEYPAIR_IMPORT,
                                                                 "name": "a.b@c"}})
    assert (resp.status_code, message(resp)) == (
        400, "Keypair data is invalid: Keypair name contains unsafe characters")
    resp = await cloud.post("/os-keypairs", "2.92", {"keypair": {**KEYPAIR_IMPORT,
                                                                 "name": "a/b"}})
    assert resp.status_code == 400


# --- server groups ----------------------------------------------------------------------------


async def test_server_groups_2_1_and_2_13(cloud: Local) -> None:
    ids = await cloud.ids()
    resp = await cloud.post("/os-server-groups", "2.12", {"server_group": {
        "name": "old", "policies": ["affinity"]}})
    assert resp.status_code == 200, resp.text
    assert keys(resp.json()["server_group"]) == {"id", "name", "policies", "members", "metadata"}
    resp = await cloud.post("/os-server-groups", "2.13", {"server_group": {
        "name": "test", "policies": ["anti-affinity"]}})
    golden = sample("os-server-groups-v2.13-server-groups-post-resp.json")["server_group"]
    made = resp.json()["server_group"]
    assert keys(made) == keys(golden)
    assert made == {**golden, "id": made["id"], "project_id": ids["project:admin"],
                    "user_id": ids["user:admin"]}
    shown = (await cloud.get(f"/os-server-groups/{made['id']}", "2.13")).json()
    assert keys(shown["server_group"]) == keys(
        sample("os-server-groups-v2.13-server-groups-get-resp.json")["server_group"])
    assert shown["server_group"] == made
    listed = (await cloud.get("/os-server-groups", "2.13")).json()
    assert keys(listed["server_groups"][0]) == keys(
        sample("os-server-groups-v2.13-server-groups-list-resp.json")["server_groups"][0])
    assert (await cloud.get("/os-server-groups", "2.12")).json()["server_groups"][1] == {
        k: made[k] for k in ("id", "name", "policies", "members", "metadata")}
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}/os-server-groups/{made['id']}")
    assert keys(legacy.json()["server_group"]) == {"id", "name", "policies", "members",
                                                   "metadata"}


async def test_soft_policies_from_2_15(cloud: Local) -> None:
    body = {"server_group": {"name": "soft", "policies": ["soft-anti-affinity"]}}
    resp = await cloud.post("/os-server-groups", "2.14", body)
    assert (resp.status_code, message(resp)) == (
        400, "Invalid input for field/attribute 0. Value: soft-anti-affinity. "
        "'soft-anti-affinity' is not one of ['anti-affinity', 'affinity']")
    for policy in ("soft-anti-affinity", "soft-affinity"):
        resp = await cloud.post("/os-server-groups", "2.15", {"server_group": {
            "name": "soft", "policies": [policy]}})
        assert resp.status_code == 200, resp.text
        group = resp.json()["server_group"]
        assert group["policies"] == [policy]
        # One host: both members fit, the soft policy only weighs.
        for _ in range(2):
            resp = await cloud.client.post(f"{V21}/servers", json={
                "server": {"name": "m", "imageRef": CIRROS_ID,
                           "flavorRef": "1"}, "os:scheduler_hints": {"group": group["id"]}})
            assert resp.status_code == 202, resp.text
            await cloud.wait_for(resp.json()["server"]["id"], status="ACTIVE", task=None)


async def test_policy_and_rules_from_2_64(cloud: Local) -> None:
    ids = await cloud.ids()
    request = sample("os-server-groups-v2.64-server-groups-post-req.json")
    assert (await cloud.post("/os-server-groups", "2.63", request)).status_code == 400
    resp = await cloud.post("/os-server-groups", "2.64", request)
    assert resp.status_code == 200, resp.text
    made = resp.json()["server_group"]
    golden = sample("os-server-groups-v2.64-server-groups-post-resp.json")["server_group"]
    assert made == {**golden, "id": made["id"], "project_id": ids["project:admin"],
                    "user_id": ids["user:admin"]}
    shown = (await cloud.get(f"/os-server-groups/{made['id']}", "2.64")).json()
    assert keys(shown["server_group"]) == keys(
        sample("os-server-groups-v2.64-server-groups-get-resp.json")["server_group"])
    assert shown["server_group"] == made
    listed = (await cloud.get("/os-server-groups", "2.64")).json()["server_groups"]
    assert listed == [made]
    assert keys(listed[0]) == keys(
        sample("os-server-groups-v2.64-server-groups-list-resp.json")["server_groups"][0])
    old = (await cloud.get(f"/os-server-groups/{made['id']}", "2.63")).json()["server_group"]
    assert (old["policies"], old["metadata"]) == (["anti-affinity"], {})
    # The policies body is refused from 2.64, rules only for anti-affinity.
    resp = await cloud.post("/os-server-groups", "2.64", {"server_group": {
        "name": "g", "policies": ["affinity"]}})
    assert (resp.status_code, message(resp)) == (
        400, "Additional properties are not allowed ('policies' was unexpected)")
    resp = await cloud.post("/os-server-groups", "2.64", {"server_group": {
        "name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}})
    assert (resp.status_code, message(resp)) == (400, "Only anti-affinity policy supports rules.")
    for rules in ({"max_server_per_host": 0}, {"max_server_per_host": "x"}, {"other": 1}):
        resp = await cloud.post("/os-server-groups", "2.64", {"server_group": {
            "name": "g", "policy": "anti-affinity", "rules": rules}})
        assert resp.status_code == 400, rules
    plain = await cloud.post("/os-server-groups", "2.64", {"server_group": {
        "name": "p", "policy": "soft-affinity"}})
    assert plain.json()["server_group"]["rules"] == {}
    # max_server_per_host 3 lets three members share the one host; the fourth has no room.
    for n in range(4):
        resp = await cloud.client.post(f"{V21}/servers", json={
            "server": {"name": f"m{n}", "imageRef": CIRROS_ID,
                       "flavorRef": "1"}, "os:scheduler_hints": {"group": made["id"]}})
        assert resp.status_code == 202, resp.text
        status = "ACTIVE" if n < 3 else "ERROR"
        await cloud.wait_for(resp.json()["server"]["id"], status=status, task=None)
    # 2.75 and 2.102: unknown query parameters refused.
    assert (await cloud.get("/os-server-groups", "2.74", foo="1")).status_code == 200
    assert (await cloud.get("/os-server-groups", "2.75", foo="1")).status_code == 400
    assert (await cloud.get("/os-server-groups", "2.75", limit="1")).status_code == 200
    path = f"/os-server-groups/{made['id']}"
    assert (await cloud.get(path, "2.101", foo="1")).status_code == 200
    assert (await cloud.get(path, "2.102", foo="1")).status_code == 400


# --- quota sets, quota class sets, limits ---------------------------------------------------


def with_id(body: dict[str, Any], root: str, new_id: str) -> dict[str, Any]:
    return {root: {**body[root], "id": new_id}}


async def test_quota_sets_drop_resources_at_2_36_and_2_57(cloud: Local) -> None:
    project = (await cloud.ids())["project:demo"]
    path = f"/os-quota-sets/{project}"
    old = (await cloud.get(path, "2.35")).json()["quota_set"]
    assert {"fixed_ips", "floating_ips", "security_groups", "security_group_rules",
            "injected_files"} <= set(old)
    for version, name in (("2.36", "os-quota-sets-v2.36-quotas-show-get-resp.json"),
                          ("2.57", "os-quota-sets-v2.57-quotas-show-get-resp.json")):
        resp = await cloud.get(path, version)
        assert resp.json() == with_id(sample(name), "quota_set", project), version
    resp = await cloud.get(f"{path}/defaults", "2.57")
    assert resp.json() == with_id(sample("os-quota-sets-v2.57-quotas-show-defaults-get-resp.json"),
                                  "quota_set", project)
    detail = await cloud.get(f"{path}/detail", "2.57")
    assert detail.json() == with_id(sample("os-quota-sets-v2.57-quotas-show-detail-get-resp.json"),
                                    "quota_set", project)
    detail = await cloud.get(f"{path}/detail", "2.36")
    assert set(detail.json()["quota_set"]) == set(
        sample("os-quota-sets-v2.36-quotas-show-detail-get-resp.json")["quota_set"])
    # Updates: the dropped resources are refused.
    resp = await cloud.put(path, "2.57", {"quota_set": {"instances": 20}})
    assert resp.status_code == 200, resp.text
    assert resp.json() == sample("os-quota-sets-v2.57-quotas-update-post-resp.json")
    for version, key in (("2.36", "floating_ips"), ("2.57", "injected_files")):
        resp = await cloud.put(path, version, {"quota_set": {key: 5}})
        assert (resp.status_code, message(resp)) == (
            400, "Invalid input for field/attribute quota_set. Additional properties are not "
            f"allowed ('{key}' was unexpected)")
    assert (await cloud.put(path, "2.56", {"quota_set": {"injected_files": 6}})).status_code == 200
    # From 2.75 only user_id is a query parameter.
    assert (await cloud.get(path, "2.74", foo="1")).status_code == 200
    resp = await cloud.get(path, "2.75", foo="1")
    assert (resp.status_code, message(resp)) == (
        400, "Additional properties are not allowed ('foo' was unexpected)")
    assert (await cloud.get(path, "2.75", user_id="u")).status_code == 200


async def test_quota_class_sets_at_2_50_and_2_57(cloud: Local) -> None:
    path = "/os-quota-class-sets/default"
    # At 2.1 the key set (pocketstack's network defaults are the 2013 ones, Nova's are -1).
    resp = await cloud.get(path, "2.1")
    assert keys(resp.json()["quota_class_set"]) == keys(
        sample("os-quota-class-sets-v2.1-quota-classes-show-get-resp.json")["quota_class_set"])
    resp = await cloud.get(path, "2.50")
    assert resp.json() == sample("os-quota-class-sets-v2.50-quota-classes-show-get-resp.json")
    resp = await cloud.get(path, "2.57")
    assert resp.json() == sample("os-quota-class-sets-v2.57-quota-classes-show-get-resp.json")
    resp = await cloud.put(path, "2.50",
                           sample("os-quota-class-sets-v2.50-quota-classes-update-post-req.json"))
    assert resp.status_code == 200, resp.text
    assert resp.json() == sample("os-quota-class-sets-v2.50-quota-classes-update-post-resp.json")
    resp = await cloud.put(path, "2.57",
                           sample("os-quota-class-sets-v2.57-quota-classes-update-post-req.json"))
    assert resp.json() == sample("os-quota-class-sets-v2.57-quota-classes-update-post-resp.json")
    for version, key in (("2.50", "security_groups"), ("2.57", "injected_file_path_bytes")):
        resp = await cloud.put(path, version, {"quota_class_set": {key: 5}})
        assert (resp.status_code, message(resp)) == (
            400, "Invalid input for field/attribute quota_class_set. Additional properties are "
            f"not allowed ('{key}' was unexpected)")
    resp = await cloud.put(path, "2.49", {"quota_class_set": {"security_groups": 5}})
    assert resp.status_code == 200 and "server_groups" not in resp.json()["quota_class_set"]
    assert (await cloud.get(path, "2.101", foo="1")).status_code == 200
    assert (await cloud.get(path, "2.102", foo="1")).status_code == 400


async def test_limits_drop_fields_at_2_36_2_39_and_2_57(cloud: Local) -> None:
    old = (await cloud.get("/limits", "2.35")).json()["limits"]["absolute"]
    assert {"maxSecurityGroups", "maxTotalFloatingIps", "totalSecurityGroupsUsed",
            "maxImageMeta", "maxPersonality"} <= set(old)
    for version in ("2.36", "2.39", "2.57"):
        resp = await cloud.get("/limits", version)
        assert resp.json() == sample(f"limits-v{version}-limit-get-resp.json"), version
    assert (await cloud.get("/limits", "2.74", foo="1")).status_code == 200
    assert (await cloud.get("/limits", "2.75", foo="1")).status_code == 400
    legacy = await cloud.client.get(f"{await cloud.legacy_root()}/limits")
    assert set(legacy.json()["limits"]["absolute"]) == set(old)


# --- simple tenant usage ----------------------------------------------------------------------


def same_keys(golden: Any, actual: Any) -> None:
    """The same keys at every depth (lists: each item against the sample's first)."""
    if isinstance(golden, dict):
        assert isinstance(actual, dict) and set(actual) == set(golden), (set(actual), set(golden))
        for key, value in golden.items():
            same_keys(value, actual[key])
    elif isinstance(golden, list) and golden:
        assert isinstance(actual, list) and actual
        for item in actual:
            same_keys(golden[0], item)


async def test_usage_paged_from_2_40(cloud: Local) -> None:
    project = (await cloud.ids())["project:admin"]
    servers = sorted([await cloud.boot(name=f"u{n}") for n in range(3)])
    window = {"start": "2000-01-01T00:00:00", "end": "2100-01-01T00:00:00"}
    whole = (await cloud.get("/os-simple-tenant-usage", "2.39", detailed="1", limit="1",
                             **window)).json()
    assert keys(whole) == {"tenant_usages"}
    assert [u["instance_id"] for u in whole["tenant_usages"][0]["server_usages"]] == servers
    first = (await cloud.get("/os-simple-tenant-usage", "2.40", limit="1", **window)).json()
    same_keys(sample("os-simple-tenant-usage-v2.40-simple-tenant-usage-get.json"), first)
    assert first["tenant_usages_links"] == [{"rel": "next", "href": (
        "http://127.0.0.1:8080/compute/v2.1/os-simple-tenant-usage?end=2100-01-01T00%3A00%3A00"
        f"&limit=1&start=2000-01-01T00%3A00%3A00&marker={servers[0]}")}]
    detail = (await cloud.get("/os-simple-tenant-usage", "2.40", detailed="1", limit="2",
                              marker=servers[0], **window)).json()
    same_keys(sample("os-simple-tenant-usage-v2.40-simple-tenant-usage-get-detail.json"), detail)
    assert [u["instance_id"] for u in detail["tenant_usages"][0]["server_usages"]] == servers[1:]
    last = (await cloud.get("/os-simple-tenant-usage", "2.40", marker=servers[2],
                            **window)).json()
    assert last == {"tenant_usages": []}
    shown = (await cloud.get(f"/os-simple-tenant-usage/{project}", "2.40", limit="1",
                             **window)).json()
    same_keys(sample("os-simple-tenant-usage-v2.40-simple-tenant-usage-get-specific.json"), shown)
    assert shown["tenant_usage_links"][0]["href"].startswith(
        f"http://127.0.0.1:8080/compute/v2.1/os-simple-tenant-usage/{project}?")
    assert shown["tenant_usage_links"][0]["href"].endswith(f"&marker={servers[0]}")
    resp = await cloud.get("/os-simple-tenant-usage", "2.40", marker="nope")
    assert (resp.status_code, message(resp)) == (400, "Marker nope could not be found.")
    assert (await cloud.get("/os-simple-tenant-usage", "2.39", marker="nope")).status_code == 200
    assert (await cloud.get("/os-simple-tenant-usage", "2.74", foo="1")).status_code == 200
    assert (await cloud.get("/os-simple-tenant-usage", "2.75", foo="1")).status_code == 400
    resp = await cloud.get(f"/os-simple-tenant-usage/{project}", "2.75", detailed="1")
    assert resp.status_code == 400


# --- flavors ------------------------------------------------------------------------------------


def unlinked(body: Any) -> Any:
    """The body without its links (the samples' hosts and project paths are Nova's)."""
    if isinstance(body, dict):
        return {k: unlinked(v) for k, v in body.items() if k not in ("links", "flavors_links")}
    if isinstance(body, list):
        return [unlinked(v) for v in body]
    return body


async def sample_flavors(cloud: Local) -> None:
    """Flavors 6 and 7 of Nova's flavor samples, beside the bootstrap's 1 to 5."""
    for body, specs in (
            ({"name": "m1.tiny.specs", "id": "6", "ram": 512, "vcpus": 1, "disk": 1},
             {"hw:numa_nodes": "1"}),
            ({"name": "m1.small.description", "id": "7", "ram": 2048, "vcpus": 1, "disk": 20,
              "description": "test description"},
             {"hw:cpu_policy": "shared", "hw:numa_nodes": "1"})):
        resp = await cloud.post("/flavors", "2.55", {"flavor": body})
        assert resp.status_code == 200, resp.text
        resp = await cloud.post("/flavors/{}/os-extra_specs".format(body["id"]), "2.86",
                                {"extra_specs": specs})
        assert resp.status_code == 200, resp.text


@pytest.mark.parametrize("version", ["2.55", "2.61", "2.75", "2.102"])
async def test_flavor_views_per_version(cloud: Local, version: str) -> None:
    await sample_flavors(cloud)
    detail = (await cloud.get("/flavors/detail", version)).json()
    assert unlinked(detail) == unlinked(sample(f"flavors-v{version}-flavors-detail-resp.json"))
    shown = (await cloud.get("/flavors/7", version)).json()
    assert unlinked(shown) == unlinked(sample(f"flavors-v{version}-flavor-get-resp.json"))
    assert [link["rel"] for link in shown["flavor"]["links"]] == ["self", "bookmark"]
    if version == "2.55":
        listed = (await cloud.get("/flavors", version)).json()
        assert unlinked(listed) == unlinked(sample("flavors-v2.55-flavors-list-resp.json"))


async def test_flavor_views_before_2_55(cloud: Local) -> None:
    await sample_flavors(cloud)
    shown = (await cloud.get("/flavors/7", "2.54")).json()["flavor"]
    assert "description" not in shown and "extra_specs" not in shown and shown["swap"] == ""
    assert "description" not in (await cloud.get("/flavors", "2.54")).json()["flavors"][0]
    assert "extra_specs" not in (await cloud.get("/flavors/7", "2.60")).json()["flavor"]


async def test_flavor_create_and_update(cloud: Local) -> None:
    request = sample("flavor-manage-v2.61-flavor-create-post-req.json")
    resp = await cloud.post("/flavors", "2.61", request)
    assert resp.status_code == 200, resp.text
    assert unlinked(resp.json()) == unlinked(
        sample("flavor-manage-v2.61-flavor-create-post-resp.json"))
    # description arrives at 2.55, rxtx_factor goes at 2.102.
    resp = await cloud.post("/flavors", "2.54", {"flavor": {
        "name": "d", "ram": 64, "vcpus": 1, "disk": 1, "description": "x"}})
    assert resp.status_code == 400
    resp = await cloud.post("/flavors", "2.102", request)
    assert resp.status_code == 400 and "rxtx_factor" in message(resp)
    body = {"flavor": {k: v for k, v in request["flavor"].items() if k != "rxtx_factor"}}
    body["flavor"].update(id="11", name="test_flavor_2")
    resp = await cloud.post("/flavors", "2.102", body)
    assert resp.status_code == 200, resp.text
    assert unlinked(resp.json()) == unlinked({"flavor": {
        **sample("flavor-manage-v2.102-flavor-create-post-resp.json")["flavor"],
        "id": "11", "name": "test_flavor_2"}})
    resp = await cloud.post("/flavors", "2.75", {"flavor": {**request["flavor"], "id": "12",
                                                            "name": "z"}})
    assert unlinked(resp.json()) == unlinked(
        {"flavor": {**sample("flavor-manage-v2.75-flavor-create-post-resp.json")["flavor"],
                    "id": "12", "name": "z"}})
    resp = await cloud.post("/flavors", "2.55", {"flavor": {
        "name": "bad", "ram": 64, "vcpus": 1, "disk": 1, "description": "a\nb"}})
    assert resp.status_code == 400
    # PUT /flavors/{id} from 2.55.
    update = {"flavor": {"description": "updated description"}}
    resp = await cloud.put("/flavors/1", "2.54", update)
    assert resp.status_code == 404
    resp = await cloud.put("/flavors/1", "2.55", update)
    assert resp.status_code == 200, resp.text
    assert unlinked(resp.json()) == unlinked(sample("flavor-manage-v2.55-flavor-update-resp.json"))
    resp = await cloud.put("/flavors/1", "2.61", update)
    assert unlinked(resp.json()) == unlinked(sample("flavor-manage-v2.61-flavor-update-resp.json"))
    resp = await cloud.put("/flavors/1", "2.55", {"flavor": {"description": None}})
    assert resp.json()["flavor"]["description"] is None
    for bad in ({"flavor": {}}, {"flavor": {"description": "x", "name": "y"}}):
        assert (await cloud.put("/flavors/1", "2.55", bad)).status_code == 400
    assert (await cloud.put("/flavors/nope", "2.55", update)).status_code == 404
    resp = await cloud.put("/flavors/1", "2.55", update, demo=True)
    assert (resp.status_code, message(resp)) == (
        403, "Policy doesn't allow os_compute_api:os-flavor-manage:update to be performed.")


async def test_flavor_lists_query_per_version(cloud: Local) -> None:
    await sample_flavors(cloud)
    assert (await cloud.get("/flavors", "2.74", foo="1")).status_code == 200
    resp = await cloud.get("/flavors/detail", "2.75", foo="1")
    assert (resp.status_code, message(resp)) == (
        400, "Additional properties are not allowed ('foo' was unexpected)")
    assert (await cloud.get("/flavors", "2.101", name="m1")).status_code == 400
    # Before 2.75 an unknown parameter (name too) is dropped.
    assert len((await cloud.get("/flavors", "2.74", name="tiny")).json()["flavors"]) == 7
    names = [f["name"] for f in (await cloud.get("/flavors", "2.102", name="tiny")).json()[
        "flavors"]]
    assert names == ["m1.tiny", "m1.tiny.specs"]
    names = [f["name"] for f in (await cloud.get("/flavors/detail", "2.102",
                                                 name="^m1\\.(small|large)$")).json()["flavors"]]
    assert names == ["m1.small", "m1.large"]
    assert (await cloud.get("/flavors", "2.101", sort_key="rxtx_factor")).status_code == 200
    assert (await cloud.get("/flavors", "2.102", sort_key="rxtx_factor")).status_code == 400
    assert (await cloud.get("/flavors/1", "2.101", foo="1")).status_code == 200
    assert (await cloud.get("/flavors/1", "2.102", foo="1")).status_code == 400


async def test_add_access_to_public_flavor_is_409_from_2_7(cloud: Local) -> None:
    project = (await cloud.ids())["project:demo"]
    body = {"addTenantAccess": {"tenant": project}}
    resp = await cloud.post("/flavors/1/action", "2.7", body)
    assert (resp.status_code, message(resp)) == (409, "Can not add access to a public flavor.")
    resp = await cloud.post("/flavors/1/action", "2.6", body)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"flavor_access": [{"flavor_id": "1", "tenant_id": project}]}
    assert (await cloud.get("/flavors/1", "2.6")).json()["flavor"]["os-flavor-access:is_public"]


@pytest.mark.parametrize(("key", "value", "text"), [
    ("hw:cpu_policy", "sometimes",
     "Validation failed; 'sometimes' is not one of: dedicated, shared, mixed."),
    ("hw:numa_nodes", "0", "Validation failed; '0' is less than the min value of '1'."),
    ("hw:numa_nodes", "two", "Validation failed; 'two' is not a valid integer value."),
    ("hw:redirected_usb_ports", "16",
     "Validation failed; '16' is greater than the max value of '15'."),
    ("hw_rng:allowed", "maybe", "Validation failed; 'maybe' is not a valid boolean-like value."),
    ("hw:mem_page_size", "huge", "Validation failed; 'huge' is not of the format "
     "'(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)'."),
    ("hw:frobnicate", "1",
     "Validation failed; extra spec 'hw:frobnicate' does not appear to be a valid extra spec."),
    ("trait:HW_CPU_X86_AVX2", "wanted",
     "Validation failed; 'wanted' is not one of: required, forbidden."),
    ("resources1:VCPU", "x", "Validation failed; 'x' is not a valid integer value."),
    ("resources:NOT_A_CLASS", "1", "Validation failed; extra spec 'resources:NOT_A_CLASS' does "
     "not appear to be a valid extra spec."),
])
async def test_extra_specs_checked_from_2_86(cloud: Local, key: str, value: str,
                                             text: str) -> None:
    path = "/flavors/1/os-extra_specs"
    resp = await cloud.post(path, "2.86", {"extra_specs": {key: value}})
    assert (resp.status_code, message(resp)) == (400, text)
    resp = await cloud.put(f"{path}/{key}", "2.86", {key: value})
    assert (resp.status_code, message(resp)) == (400, text)
    # Before 2.86 anything goes.
    assert (await cloud.post(path, "2.85", {"extra_specs": {key: value}})).status_code == 200


async def test_extra_specs_accepted_at_2_86(cloud: Local) -> None:
    specs = {"hw:cpu_policy": "dedicated", "hw:numa_nodes": "2", "hw:numa_cpus.0": "0-1",
             "hw:numa_mem.0": "512", "trait:HW_CPU_X86_AVX2": "required",
             "trait_g1:CUSTOM_GOLD": "forbidden", "resources:VCPU": "2",
             "resources_x:CUSTOM_BAREMETAL": "1", "hw:cpu_realtime": "yes",
             "aggregate_instance_extra_specs:ssd": "true", "group_policy": "isolate",
             "my:own": "anything", "plain": "x"}
    resp = await cloud.post("/flavors/1/os-extra_specs", "2.86", {"extra_specs": specs})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"extra_specs": specs}
    assert (await cloud.get("/flavors/1/os-extra_specs", "2.102", foo="1")).status_code == 400
