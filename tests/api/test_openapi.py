"""The OpenAPI 3.1 documents: generated from the route table, served under each API's prefix
(compute and block storage at the microversion asked), valid by openapi-spec-validator, and
written by `pocketstack openapi --out DIR`."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from openapi_spec_validator import validate

from pocketstack.api import openapi, routes
from pocketstack.api.routing import Router
from tests.live import Api

SERVED = ["/compute/v2.1", "/identity/v3", "/identity/v2.0", "/image/v2", "/network/v2.0",
          "/volume/v3"]


def _router() -> Router:
    router = Router()
    routes.install(router)
    return router


@pytest.mark.parametrize("prefix", SERVED)
def test_each_api_serves_a_valid_document_without_a_token(admin: Api, prefix: str) -> None:
    resp = admin.client.get(f"{prefix}/openapi.json", headers={"X-Auth-Token": ""})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    doc = resp.json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert doc["paths"]
    assert doc["components"]["securitySchemes"]["token"]["name"] == "X-Auth-Token"


def test_every_route_of_the_table_is_in_its_document() -> None:
    router = _router()
    for api in openapi.APIS:
        version = api.versions[1] if api.versions else None
        doc = openapi.document(router, api, version)
        for method, endpoint in router.endpoints():
            path = openapi._in_api(api, endpoint.template)
            if path is None or (version is not None and not
                                endpoint.versions[0] <= version <= endpoint.versions[1]):
                continue
            assert method.lower() in doc["paths"][path], (api.name, method, path)
            params = {p["name"] for p in doc["paths"][path][method.lower()].get("parameters", [])
                      if p["in"] == "path"}
            assert params == set(re.findall(r"{(\w+)}", path))


def test_compute_document_follows_the_microversion(admin: Api) -> None:
    old = admin.client.get("/compute/v2.1/openapi.json").json()
    new = admin.client.get("/compute/v2.1/openapi.json",
                           headers={"OpenStack-API-Version": "compute latest"}).json()
    assert old["info"]["version"] == "2.1" and new["info"]["version"] == "2.104"
    # The image proxy left at 2.36; tags on servers came at 2.26.
    assert "/images" in old["paths"] and "/images" not in new["paths"]
    assert "/servers/{server_id}/tags" in new["paths"]
    assert "/servers/{server_id}/tags" not in old["paths"]
    tags = new["paths"]["/servers/{server_id}/tags"]["get"]["x-openstack-microversions"]
    assert tags == {"min": "2.26", "max": "2.104"}


def test_request_bodies_come_from_the_code_schemas() -> None:
    doc = openapi.document(_router(), openapi.api_named("compute"), (2, 104))
    create = doc["paths"]["/servers"]["post"]["requestBody"]["content"]["application/json"]
    assert create["schema"]["required"] == ["server"]
    ref = create["schema"]["properties"]["server"]["$ref"].rsplit("/", 1)[-1]
    server = doc["components"]["schemas"][ref]
    assert {"name", "flavorRef"} <= set(server["properties"])
    action = doc["paths"]["/servers/{server_id}/action"]["post"]["requestBody"]
    names = {next(iter(one["properties"])) for one in
             action["content"]["application/json"]["schema"]["oneOf"]}
    assert {"reboot", "pause", "createImage", "resize"} <= names
    assert "2.104" == doc["info"]["version"]
    flavors = {p["name"] for p in doc["paths"]["/flavors"]["get"]["parameters"]}
    assert {"sort_key", "sort_dir", "limit", "marker"} <= flavors


def test_error_responses_are_each_service_s_own_body() -> None:
    router = _router()
    expected = {"compute": "NovaFault", "identity-v3": "KeystoneError", "image": "GlanceError",
                "network": "NeutronError", "volume": "CinderFault"}
    for name, component in expected.items():
        doc = openapi.document(router, openapi.api_named(name))
        some = next(iter(doc["paths"].values()))
        op = next(iter(some.values()))
        assert op["responses"]["404"]["$ref"] == f"#/components/responses/{component}"
        assert component in doc["components"]["schemas"]


def test_the_command_writes_every_document(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
    result = subprocess.run([sys.executable, "-m", "pocketstack", "openapi", "--out",
                             str(tmp_path)], capture_output=True, text=True, env=env,
                            check=False, timeout=120)
    assert result.returncode == 0, result.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == sorted(["compute-2.1.json", "compute-2.104.json", "identity-v3.json",
                              "identity-v2.0.json", "image.json", "network.json",
                              "volume-3.0.json", "volume-3.71.json"])
    for path in tmp_path.iterdir():
        validate(json.loads(path.read_text()))
