"""Glance's error bodies: webob's negotiated HTML, JSON or plain text, and keystonemiddleware's
JSON for a 401, parsed by glanceclient and openstacksdk as they parse Glance's own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import glanceclient
import httpx
import openstack.config
import pytest
from glanceclient import exc as glance_exc
from keystoneauth1.session import Session
from openstack import exceptions as sdk_exceptions
from openstack.connection import Connection

from tests.live import Api, LiveCloud


def _html(status: str, text: str) -> str:
    return (f"<html>\n <head>\n  <title>{status}</title>\n </head>\n <body>\n  <h1>{status}</h1>\n"
            f"  {text}<br /><br />\n\n\n\n </body>\n</html>")


def test_html_body_for_any_accept(member: Api) -> None:
    missing = str(uuid.uuid4())
    for accept in ("*/*", "text/html", "text/*"):
        resp = member.get(f"/image/v2/images/{missing}", headers={"Accept": accept})
        assert resp.status_code == 404
        assert resp.headers["content-type"] == "text/html; charset=UTF-8"
        assert resp.text == _html("404 Not Found", f"No image found with ID {missing}")


def test_json_body_when_json_is_preferred(member: Api) -> None:
    missing = str(uuid.uuid4())
    for accept in ("application/json", "application/json, text/html;q=0.5"):
        resp = member.get(f"/image/v2/images/{missing}", headers={"Accept": accept})
        assert resp.headers["content-type"] == "application/json"
        assert resp.json() == {"message": f"No image found with ID {missing}<br /><br />\n\n\n",
                               "code": "404 Not Found", "title": "Not Found"}


def test_plain_body_without_accept_and_html_escaped(cloud: LiveCloud, member: Api) -> None:
    with httpx.Client(base_url=cloud.base_url, headers={"X-Auth-Token": member.token}) as client:
        req = client.build_request("GET", "/image/v2/images?limit=x")
        del req.headers["accept"]
        resp = client.send(req)
    assert resp.status_code == 400
    assert resp.headers["content-type"] == "text/plain; charset=UTF-8"
    assert resp.text == "400 Bad Request\n\nlimit param must be an integer\n\n   "
    resp = member.get("/image/v2/images?sort_key=<b>", headers={"Accept": "text/html"})
    assert "Invalid sort key: &lt;b&gt;." in resp.text


def test_unauthorized_is_keystonemiddleware_json(cloud: LiveCloud) -> None:
    resp = httpx.get(cloud.base_url + "/image/v2/images", headers={"Accept": "*/*"})
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": 401, "title": "Unauthorized", "message":
                                     "The request you have made requires authentication."}}


@pytest.fixture
def session(cloud: LiveCloud) -> Iterator[Session]:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    conn = Connection(config=config.get_one(cloud="pocketstack-admin"))
    yield conn.session
    conn.close()


@pytest.mark.clients
def test_glanceclient_reads_the_error(session: Session) -> None:
    glance = glanceclient.Client("2", session=session)
    missing = str(uuid.uuid4())
    with pytest.raises(glance_exc.HTTPNotFound) as info:
        glance.images.get(missing)
    assert info.value.details == f"404 Not Found: No image found with ID {missing}"
    with pytest.raises(glance_exc.HTTPBadRequest) as bad:
        list(glance.images.list(filters={"visibility": "nowhere"}))
    assert bad.value.details == "400 Bad Request: Invalid visibility value: nowhere"


@pytest.mark.clients
def test_sdk_reads_the_error(cloud: LiveCloud) -> None:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)],
                                              load_envvars=False)
    conn = Connection(config=config.get_one(cloud="pocketstack-admin"))
    try:
        with pytest.raises(sdk_exceptions.NotFoundException) as info:
            conn.image.get_image(str(uuid.uuid4()))
        assert "No image found with ID" in str(info.value)
    finally:
        conn.close()
