"""Input the OpenStack services refuse, or take, over real HTTP.

Neutron does not check `?fields=` names: its list and show views keep the requested attributes
a resource has, so an unknown name alone leaves every item empty. Request bodies: Keystone reads
JSON only when the Content-Type is JSON or absent (400 ValidationError otherwise); Glance checks
the type only for JSON-patch updates and image data (415); Neutron parses any body as JSON
whatever its Content-Type; Nova answers 415 for any type but JSON's (text/plain is read as
JSON), Cinder for any type but JSON's on a non-empty body.
"""

from __future__ import annotations

import uuid

import httpx
import orjson
import pytest

from tests.helpers import glance_fault
from tests.live import Api

V2 = "/network/v2.0"
KEYSTONE_TAIL = (" The server could not comply with the request since it is either malformed or "
                 "otherwise incorrect. The client is assumed to be in error.")
PATCH_TYPES = ("application/openstack-images-v2.0-json-patch, "
               "application/openstack-images-v2.1-json-patch")


def raw(api: Api, method: str, path: str, body: object, content_type: str | None) -> httpx.Response:
    headers = {} if content_type is None else {"Content-Type": content_type}
    data = body if isinstance(body, bytes) else orjson.dumps(body)
    return api.request(method, path, content=data, headers=headers)


# -- Neutron ?fields= ---------------------------------------------------------------------

def _network_resources(member: Api) -> dict[str, str]:
    """One of each resource kind, by collection path; returns {path: id}."""
    net = member.post(f"{V2}/networks", json={"network": {"name": "f"}}).json()["network"]
    subnet = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.77.0.0/24", "ip_version": 4}}).json()["subnet"]
    port = member.post(f"{V2}/ports", json={"port": {"network_id": net["id"]}}).json()["port"]
    router = member.post(f"{V2}/routers", json={"router": {"name": "f"}}).json()["router"]
    group = member.post(f"{V2}/security-groups",
                        json={"security_group": {"name": f"f-{uuid.uuid4().hex[:6]}"}}).json()
    rule = group["security_group"]["security_group_rules"][0]
    return {"networks": net["id"], "subnets": subnet["id"], "ports": port["id"],
            "routers": router["id"], "security-groups": group["security_group"]["id"],
            "security-group-rules": rule["id"]}


@pytest.mark.parametrize("path", ["networks", "subnets", "ports", "routers", "security-groups",
                                  "security-group-rules"])
def test_unknown_fields_are_ignored_as_neutron_does(member: Api, path: str) -> None:
    ids = _network_resources(member)
    collection = path.replace("-", "_")
    for names in ("evil", "id,name"):   # one name each: Neutron does not split on commas
        listed = member.get(f"{V2}/{path}", params={"fields": names})
        assert listed.status_code == 200, listed.text
        items = listed.json()[collection]
        assert items and all(item == {} for item in items), names
    mixed = member.get(f"{V2}/{path}", params=[("fields", "id"), ("fields", "evil")])
    assert mixed.status_code == 200, mixed.text
    assert ids[path] in [item["id"] for item in mixed.json()[collection]]
    assert all(set(item) == {"id"} for item in mixed.json()[collection])
    shown = member.get(f"{V2}/{path}/{ids[path]}", params={"fields": "evil"})
    assert shown.status_code == 200, shown.text
    assert shown.json() == {collection[:-1]: {}}


# -- Keystone: Content-Type of request bodies ---------------------------------------------

def _token_body(api: Api) -> dict[str, object]:
    return {"auth": {"identity": {"methods": ["password"], "password": {"user": {
        "id": api.user_id, "password": api.password}}}}}


def test_keystone_refuses_a_non_json_content_type(member: Api) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/json"):
        resp = raw(member, "POST", "/identity/v3/auth/tokens", _token_body(member), content_type)
        assert resp.status_code == 400, (content_type, resp.text)
        assert resp.json() == {"error": {"code": 400, "title": "Bad Request", "message":
                               "Expecting to find application/json in Content-Type header." + KEYSTONE_TAIL}}


@pytest.mark.parametrize("content_type", [None, "application/json",
                                          "application/json; charset=utf-8",
                                          "application/merge-patch+json"])
def test_keystone_reads_json_and_untyped_bodies(member: Api, content_type: str | None) -> None:
    resp = raw(member, "POST", "/identity/v3/auth/tokens", _token_body(member), content_type)
    assert resp.status_code == 201, (content_type, resp.text)
    assert resp.headers["X-Subject-Token"]


def test_keystone_bad_json_is_a_validation_error(admin: Api) -> None:
    for body in (b"{not json", b"[1, 2]"):
        resp = raw(admin, "POST", "/identity/v3/domains", body, "application/json")
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"]["message"] == \
            "Expecting to find valid JSON in request body." + KEYSTONE_TAIL


def test_keystone_refuses_text_on_an_admin_create(admin: Api) -> None:
    body = {"domain": {"name": f"d-{uuid.uuid4().hex[:8]}"}}
    refused = raw(admin, "POST", "/identity/v3/domains", body, "text/plain")
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["title"] == "Bad Request"
    taken = raw(admin, "POST", "/identity/v3/domains", body, "application/json; charset=utf-8")
    assert taken.status_code == 201, taken.text


# -- Glance -------------------------------------------------------------------------------

def _glance_415(resp: httpx.Response, detail: str) -> None:
    assert resp.status_code == 415, resp.text
    body = glance_fault(resp)
    assert (body["code"], body["title"]) == ("415 Unsupported Media Type", "Unsupported Media Type")
    assert body["message"].startswith("The request media type ")
    assert body["message"].endswith(f"is not supported by this server.\n\n{detail}")


def _image(member: Api) -> str:
    resp = member.post("/image/v2/images", json={"name": "strict", "disk_format": "raw",
                                                 "container_format": "bare"})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["id"])


def test_glance_create_takes_any_content_type(member: Api) -> None:
    for content_type in (None, "text/plain", "application/json; charset=utf-8"):
        resp = raw(member, "POST", "/image/v2/images", {"name": "any"}, content_type)
        assert resp.status_code == 201, (content_type, resp.text)


def test_glance_patch_needs_a_json_patch_type(member: Api) -> None:
    image_id = _image(member)
    ops = [{"op": "replace", "path": "/name", "value": "renamed"}]
    for content_type in (None, "application/json", "text/plain"):
        resp = raw(member, "PATCH", f"/image/v2/images/{image_id}", ops, content_type)
        _glance_415(resp, f"Image PATCH expects Content-Type one of: {PATCH_TYPES}")
        assert resp.headers["Accept-Patch"] == PATCH_TYPES
    resp = raw(member, "PATCH", f"/image/v2/images/{image_id}", ops,
               "application/openstack-images-v2.1-json-patch; charset=utf-8")
    assert resp.status_code == 200, resp.text
    assert resp.json()["name"] == "renamed"


def test_glance_upload_needs_octet_stream(member: Api) -> None:
    image_id = _image(member)
    path = f"/image/v2/images/{image_id}/file"
    _glance_415(raw(member, "PUT", path, b"data", None), "Invalid content type None")
    _glance_415(raw(member, "PUT", path, b"data", "text/plain"), "Invalid content type text/plain")
    resp = raw(member, "PUT", path, b"data", "application/octet-stream")
    assert resp.status_code == 204, resp.text
    assert member.get(path).content == b"data"


# -- Neutron: any Content-Type is parsed as JSON ------------------------------------------

@pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; charset=utf-8"])
def test_neutron_parses_any_content_type_as_json(member: Api, content_type: str | None) -> None:
    resp = raw(member, "POST", f"{V2}/networks", {"network": {"name": "typed"}}, content_type)
    assert resp.status_code == 201, (content_type, resp.text)
    assert resp.json()["network"]["name"] == "typed"


def test_neutron_non_json_body_is_a_bad_request(member: Api) -> None:
    resp = raw(member, "POST", f"{V2}/networks", b"name=typed", "application/x-www-form-urlencoded")
    assert resp.status_code == 400, resp.text
    assert resp.json()["NeutronError"]["type"] == "HTTPBadRequest"
    assert resp.json()["NeutronError"]["message"] == "Body contains invalid data"


# -- Nova and Cinder: Content-Type of request bodies --------------------------------------

def _keypair(name: str) -> dict[str, object]:
    return {"keypair": {"name": name}}


@pytest.mark.parametrize("content_type", ["application/xml", "application/x-www-form-urlencoded",
                                          "text/json"])
def test_nova_refuses_other_body_types_with_415(member: Api, content_type: str) -> None:
    resp = raw(member, "POST", "/compute/v2.1/os-keypairs", _keypair(f"k-{uuid.uuid4().hex[:8]}"),
               content_type)
    assert resp.status_code == 415, resp.text
    assert resp.json() == {"badMediaType": {"code": 415, "message": "Unsupported Content-Type"}}


@pytest.mark.parametrize("content_type", [None, "application/json", "text/plain",
                                          "application/vnd.openstack.compute+json",
                                          "application/json; charset=utf-8"])
def test_nova_reads_json_and_text_bodies(member: Api, content_type: str | None) -> None:
    resp = raw(member, "POST", "/compute/v2.1/os-keypairs", _keypair(f"k-{uuid.uuid4().hex[:8]}"),
               content_type)
    assert resp.status_code == 200, (content_type, resp.text)
    assert resp.json()["keypair"]["public_key"].startswith("ssh-")


def test_cinder_refuses_a_text_body_with_415(member: Api) -> None:
    path = f"/volume/v3/{member.project_id}/volumes"
    body = {"volume": {"size": 1, "name": "strict"}}
    for content_type in ("text/plain", "application/xml"):
        resp = raw(member, "POST", path, body, content_type)
        assert resp.status_code == 415, (content_type, resp.text)
        assert resp.json() == {"badMediaType": {"code": 415,
                                                "message": "Unsupported Content-Type"}}
    taken = raw(member, "POST", path, body, "application/vnd.openstack.volume+json")
    assert taken.status_code == 202, taken.text
