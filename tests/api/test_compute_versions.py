"""Compute version documents and microversion negotiation over real HTTP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.api.compute_golden import assert_same_shape, golden
from tests.live import Api, LiveCloud

VERSION_KEYS = {"id", "links", "status", "updated", "version", "min_version"}
DETAIL_KEYS = VERSION_KEYS | {"media-types"}


def test_version_list_needs_no_token(cloud: LiveCloud) -> None:
    resp = httpx.get(cloud.base_url + "/compute/")
    assert resp.status_code == 200
    versions = resp.json()["versions"]
    assert [v["id"] for v in versions] == ["v2.0", "v2.1"]
    v2, v21 = versions
    assert set(v2) == VERSION_KEYS and set(v21) == VERSION_KEYS
    assert v2["status"] == "SUPPORTED" and v2["version"] == "" and v2["min_version"] == ""
    assert v21["status"] == "CURRENT" and v21["version"] == "2.104" and v21["min_version"] == "2.1"
    assert v2["links"] == [{"href": cloud.base_url + "/compute/v2/", "rel": "self"}]
    assert v21["links"] == [{"href": cloud.base_url + "/compute/v2.1/", "rel": "self"}]
    assert_same_shape(golden("seed_versions_v2.json")["versions"][0], v2)


def test_each_listed_version_answers_its_document(cloud: LiveCloud, member: Api) -> None:
    for entry in httpx.get(cloud.base_url + "/compute").json()["versions"]:
        self_link = entry["links"][0]["href"]
        resp = member.client.get(self_link)
        assert resp.status_code == 200, resp.text
        doc = resp.json()["version"]
        assert set(doc) == DETAIL_KEYS
        assert [link for link in doc["links"] if link["rel"] == "self"] == entry["links"]
        for link in doc["links"]:
            assert set(link) <= {"href", "rel", "type"}
        assert doc["media-types"][0]["base"] == "application/json"
        assert_same_shape(golden("seed_versions_v2.json")["versions"][0], doc)


@pytest.mark.parametrize("path", ["/compute/v2/{project}", "/compute/v2.1/{project}", "/compute/v2.1"])
def test_api_roots_answer_their_version(cloud: LiveCloud, member: Api, path: str) -> None:
    resp = httpx.get(cloud.base_url + path.format(project=member.project_id))
    assert resp.status_code == 200
    expected = "v2.0" if path.startswith("/compute/v2/") else "v2.1"
    assert resp.json()["version"]["id"] == expected


@pytest.mark.parametrize(("header", "served"), [
    ({"OpenStack-API-Version": "compute 2.1"}, "2.1"),
    ({"X-OpenStack-Nova-API-Version": "2.1"}, "2.1"),
    ({"OpenStack-API-Version": "compute 2.47"}, "2.47"),
    ({"X-OpenStack-Nova-API-Version": "2.26"}, "2.26"),
    ({"OpenStack-API-Version": "compute latest"}, "2.104"),
    ({"X-OpenStack-Nova-API-Version": "latest"}, "2.104"),
    # the combined header wins over the legacy one
    ({"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": "2.3"}, "2.1"),
    ({"OpenStack-API-Version": "compute 2.60", "X-OpenStack-Nova-API-Version": "2.3"}, "2.60"),
    ({}, "2.1"),
])
def test_microversion_is_echoed_with_vary(member: Api, header: dict[str, str], served: str) -> None:
    resp = member.get("/compute/v2.1/flavors", headers=header)
    assert resp.status_code == 200
    assert resp.headers["OpenStack-API-Version"] == f"compute {served}"
    assert resp.headers["X-OpenStack-Nova-API-Version"] == served
    assert "OpenStack-API-Version" in resp.headers["Vary"]
    assert "X-OpenStack-Nova-API-Version" in resp.headers["Vary"]


@pytest.mark.parametrize("value", ["2.105", "3.0", "2.0", "1.1", "2.1000"])
def test_microversion_out_of_range_is_406(member: Api, value: str) -> None:
    resp = member.get("/compute/v2.1/flavors", headers={"OpenStack-API-Version": f"compute {value}"})
    assert resp.status_code == 406
    fault = resp.json()["notAcceptable"]
    assert fault["code"] == 406
    assert fault["message"] == (f"Version {value} is not supported by the API. "
                                "Minimum is 2.1 and maximum is 2.104.")


@pytest.mark.parametrize("value", ["2", "2.x", "two", "2.1.1", "v2.1", "02.1"])
def test_malformed_microversion_is_400(member: Api, value: str) -> None:
    resp = member.get("/compute/v2.1/flavors", headers={"X-OpenStack-Nova-API-Version": value})
    assert resp.status_code == 400
    assert resp.json()["badRequest"]["message"] == (
        f"API Version String {value} is of invalid format. Must be of format MajorNum.MinorNum.")


def test_legacy_v2_has_no_microversion(member: Api) -> None:
    resp = member.get(f"/compute/v2/{member.project_id}/flavors",
                      headers={"OpenStack-API-Version": "compute 9.9"})
    assert resp.status_code == 200
    assert "OpenStack-API-Version" not in resp.headers
    assert resp.headers["X-Compute-Request-Id"].startswith("req-")


def test_every_served_version_declares_what_it_changes() -> None:
    """Each microversion up to the advertised maximum has its change declared as data
    (microversions.since/until/serves/Versioned), and docs/microversions.md has a row for
    each of Nova's versions."""
    import pocketstack.api.compute.routes  # noqa: F401 - declarations are made at import
    from pocketstack.api.compute import microversions

    declared = set(microversions.history())
    served = {(2, minor) for minor in range(2, microversions.MAX_VERSION[1] + 1)}
    assert sorted(served - declared) == []
    doc = (Path(__file__).resolve().parents[2] / "docs" / "microversions.md").read_text()
    for minor in range(2, microversions.NOVA_MAX_VERSION[1] + 1):
        assert f"\n| 2.{minor} " in doc
