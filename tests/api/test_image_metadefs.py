"""Image API v2 metadata definitions: Glance's shipped catalog, namespaces with their objects,
properties, tags and resource type associations, the metadef schemas, Glance's answers to bad
input and to members, golden shapes from Glance's api-ref samples, and the stock clients."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_identity_golden import assert_shape
from tests.helpers import glance_fault
from tests.live import Api, LiveCloud

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "image"
MD = "/image/v2/metadefs"


def sample(name: str) -> Any:
    return json.loads((GOLDEN / f"{name}.json").read_text())


@pytest.fixture
def namespace(admin: Api) -> Iterator[str]:
    name = f"Test::NS::{uuid.uuid4().hex[:8]}"
    resp = admin.post(f"{MD}/namespaces", json={"namespace": name, "visibility": "public"})
    assert resp.status_code == 201, resp.text
    yield name
    admin.delete(f"{MD}/namespaces/{name}")


def test_shipped_catalog_is_loaded(member: Api) -> None:
    resp = member.get(f"{MD}/namespaces?limit=1000")
    assert resp.status_code == 200
    names = {ns["namespace"] for ns in resp.json()["namespaces"]}
    assert {"OS::Compute::Libvirt", "OS::Compute::Watchdog", "OS::Glance::CommonImageProperties",
            "OS::Software::DBMS"} <= names
    assert len(names) >= 30
    watchdog = member.get(f"{MD}/namespaces/OS::Compute::Watchdog").json()
    assert watchdog["properties"]["watchdog_action"]["enum"][0] == "disabled"
    assert {a["name"]: a.get("prefix") for a in watchdog["resource_type_associations"]} == {
        "OS::Glance::Image": "hw_", "OS::Cinder::Volume": "hw_", "OS::Nova::Flavor": "hw:"}
    prefixed = member.get(f"{MD}/namespaces/OS::Compute::Watchdog",
                          params={"resource_type": "OS::Nova::Flavor"}).json()
    assert list(prefixed["properties"]) == ["hw:watchdog_action"]
    types = member.get(f"{MD}/resource_types").json()["resource_types"]
    assert "OS::Glance::Image" in {t["name"] for t in types}
    assert_shape(types[:1], sample("metadef-resource-types-list-response")["resource_types"][:1])


def test_list_filters_and_pages(member: Api) -> None:
    flavors = member.get(f"{MD}/namespaces", params={"resource_types": "OS::Nova::Aggregate",
                                                     "limit": 1000}).json()["namespaces"]
    assert flavors and all("OS::Nova::Aggregate" in {a["name"] for a in ns[
        "resource_type_associations"]} for ns in flavors)
    page = member.get(f"{MD}/namespaces", params={"limit": 2, "sort_key": "namespace",
                                                  "sort_dir": "asc"}).json()
    assert len(page["namespaces"]) == 2 and "marker=" in page["next"]
    assert page["schema"] == "/v2/schemas/metadefs/namespaces"
    nxt = member.get("/image" + page["next"]).json()["namespaces"]
    assert nxt[0]["namespace"] > page["namespaces"][1]["namespace"]
    for query, text in (({"limit": "x"}, "limit param must be an integer"),
                        ({"sort_dir": "up"}, "Invalid sort direction: up"),
                        ({"visibility": "all"}, "Invalid visibility value: all")):
        resp = member.get(f"{MD}/namespaces", params=query)
        assert resp.status_code == 400 and glance_fault(resp)["message"] == text


def test_namespace_lifecycle_and_golden(admin: Api) -> None:
    body = sample("metadef-namespace-create-request-simple")
    body["namespace"] = f"FredCo::{uuid.uuid4().hex[:8]}"
    resp = admin.post(f"{MD}/namespaces", json=body)
    assert resp.status_code == 201, resp.text
    created = resp.json()
    assert_shape(created, sample("metadef-namespace-create-response-simple"))
    assert created["owner"] == admin.project_id and created["protected"] is True
    url = f"{MD}/namespaces/{body['namespace']}"
    assert admin.post(f"{MD}/namespaces", json=body).status_code == 409
    refused = admin.delete(url)
    assert refused.status_code == 403 and "protected" in glance_fault(refused)["message"]
    resp = admin.put(url, json={"namespace": body["namespace"], "protected": False,
                                "visibility": "private", "description": "changed"})
    assert resp.status_code == 200, resp.text
    assert (resp.json()["protected"], resp.json()["visibility"]) == (False, "private")
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_objects_properties_tags_and_golden(admin: Api, namespace: str) -> None:
    ns = f"{MD}/namespaces/{namespace}"
    resp = admin.post(f"{ns}/objects", json=sample("metadef-object-create-request"))
    assert resp.status_code == 201, resp.text
    assert_shape(resp.json(), sample("metadef-object-create-response"))
    assert resp.json()["self"] == f"/v2/metadefs/namespaces/{namespace}/objects/CPU Limits"
    assert admin.get(f"{ns}/objects/CPU Limits").json()["name"] == "CPU Limits"
    assert [o["name"] for o in admin.get(f"{ns}/objects").json()["objects"]] == ["CPU Limits"]
    moved = admin.put(f"{ns}/objects/CPU Limits", json={"name": "CPU", "required": []})
    assert moved.status_code == 200 and moved.json()["name"] == "CPU"
    assert admin.get(f"{ns}/objects/CPU Limits").status_code == 404

    resp = admin.post(f"{ns}/properties", json=sample("metadef-property-create-request"))
    assert resp.status_code == 201, resp.text
    assert_shape(resp.json(), sample("metadef-property-create-response"))
    assert admin.get(f"{ns}/properties").json()["properties"]["hypervisor_type"]["type"] == "string"
    bad = admin.post(f"{ns}/properties", json={"name": "x", "type": "string"})
    assert bad.status_code == 400 and "'title' is a required property" in glance_fault(bad)["message"]

    resp = admin.post(f"{ns}/tags", json=sample("metadef-tags-create-request"))
    assert resp.status_code == 201, resp.text
    assert_shape(resp.json(), sample("metadef-tags-create-response"))
    resp = admin.post(f"{ns}/tags/added-sample-tag")
    assert resp.status_code == 201
    assert_shape(resp.json(), sample("metadef-tag-create-response"))
    assert admin.post(f"{ns}/tags/added-sample-tag").status_code == 409
    renamed = admin.put(f"{ns}/tags/sample-tag1", json={"name": "renamed"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "renamed"
    appended = admin.post(f"{ns}/tags", json={"tags": [{"name": "more"}]},
                          headers={"X-Openstack-Append": "True"})
    assert appended.status_code == 201
    assert len(admin.get(f"{ns}/tags").json()["tags"]) == 5
    shown = admin.get(ns).json()
    assert {t["name"] for t in shown["tags"]} >= {"renamed", "more"}
    assert shown["objects"][0]["name"] == "CPU" and "hypervisor_type" in shown["properties"]
    for kind in ("tags", "properties", "objects"):
        assert admin.delete(f"{ns}/{kind}").status_code == 204
    assert "tags" not in admin.get(ns).json()


def test_resource_type_associations_and_golden(admin: Api, namespace: str) -> None:
    ns = f"{MD}/namespaces/{namespace}"
    resp = admin.post(f"{ns}/resource_types", json={
        "name": "OS::Cinder::Volume", "prefix": "hw_", "properties_target": "image"})
    assert resp.status_code == 201, resp.text
    assert_shape(resp.json(), sample("metadef-resource-type-assoc-create-response"))
    assert admin.post(f"{ns}/resource_types", json={"name": "OS::Cinder::Volume"}).status_code == 409
    listed = admin.get(f"{ns}/resource_types").json()["resource_type_associations"]
    assert [a["name"] for a in listed] == ["OS::Cinder::Volume"]
    assert admin.delete(f"{ns}/resource_types/OS::Cinder::Volume").status_code == 204
    assert admin.delete(f"{ns}/resource_types/OS::Cinder::Volume").status_code == 404


def test_members_read_public_but_never_write(admin: Api, member: Api, namespace: str) -> None:
    ns = f"{MD}/namespaces/{namespace}"
    assert member.get(ns).status_code == 200
    for resp in (member.post(f"{MD}/namespaces", json={"namespace": "Member::NS"}),
                 member.put(ns, json={"namespace": namespace}), member.delete(ns),
                 member.post(f"{ns}/tags/t"), member.post(f"{ns}/objects", json={"name": "o"})):
        assert resp.status_code == 403, resp.text
    assert admin.put(ns, json={"namespace": namespace, "visibility": "private"}).status_code == 200
    assert member.get(ns).status_code == 404
    assert namespace not in {n["namespace"] for n in member.get(
        f"{MD}/namespaces?limit=1000").json()["namespaces"]}


def test_bad_bodies_get_glance_answers(admin: Api, namespace: str) -> None:
    cases = [({"visibility": "public"}, 400), ({"namespace": "x" * 81}, 400),
             ({"namespace": "a", "visibility": "all"}, 400), ({"namespace": "a", "self": "x"}, 403),
             ({"namespace": "a", "protected": "yes"}, 400)]
    for body, status in cases:
        resp = admin.post(f"{MD}/namespaces", json=body)
        assert resp.status_code == status, (body, resp.text)
    assert admin.post(f"{MD}/namespaces", content=b"{", headers={
        "Content-Type": "application/json"}).status_code == 400
    assert admin.get(f"{MD}/namespaces/{namespace}/objects/nothing").status_code == 404
    assert admin.get(f"{MD}/namespaces/{namespace}/properties/nothing").status_code == 404
    assert admin.get(f"{MD}/namespaces/{namespace}/tags/nothing").status_code == 404
    assert admin.get(f"{MD}/namespaces/No::Such/objects").status_code == 404


@pytest.mark.parametrize("name,title", [
    ("namespace", "namespace"), ("namespaces", "namespaces"),
    ("resource_type", "resource_type_association"),
    ("resource_types", "resource_type_associations"), ("object", "object"),
    ("objects", "objects"), ("property", "property"), ("properties", "properties"),
    ("tag", "tag"), ("tags", "tags")])
def test_metadef_schemas(member: Api, name: str, title: str) -> None:
    resp = member.get(f"/image/v2/schemas/metadefs/{name}")
    assert resp.status_code == 200
    assert resp.json()["name"] == title
    assert "properties" in resp.json()


def _env(cloud: LiveCloud) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_CLIENT_CONFIG_FILE": str(cloud.clouds_yaml), "OS_CLOUD": "pocketstack-admin"})
    return env


@pytest.mark.clients
def test_openstack_image_metadef_namespace_list(cloud: LiveCloud) -> None:
    proc = subprocess.run([str(Path(sys.executable).parent / "openstack"), "image", "metadef",
                           "namespace", "list", "-f", "json"], env=_env(cloud),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    names = {row.get("namespace", row.get("Namespace")) for row in json.loads(proc.stdout)}
    assert "OS::Compute::Watchdog" in names


@pytest.mark.clients
def test_glanceclient_md_namespace_list(cloud: LiveCloud, admin: Api) -> None:
    env = _env(cloud)
    env.update({"OS_AUTH_URL": cloud.auth_url, "OS_TOKEN": admin.token,
                "OS_IMAGE_URL": cloud.base_url + "/image"})
    env.pop("OS_CLOUD")
    proc = subprocess.run([str(Path(sys.executable).parent / "glance"), "--os-auth-token",
                           admin.token, "--os-image-url", cloud.base_url + "/image",
                           "md-namespace-list"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "OS::Compute::Watchdog" in proc.stdout
    proc = subprocess.run([str(Path(sys.executable).parent / "glance"), "--os-auth-token",
                           admin.token, "--os-image-url", cloud.base_url + "/image",
                           "md-namespace-show", "No::Such"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    assert "404 Not Found: Metadata definition namespace=No::Such was not found." in proc.stderr
