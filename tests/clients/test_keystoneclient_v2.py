"""python-keystoneclient's v2.0 client (a 2013 tool's view of Identity) against the live cloud:
extensions, OS-KSADM services and tenants, v2.0 endpoints, users and roles, and OS-KSCRUD's
own password change; plus the same routes' refusals over plain HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v2
from keystoneclient.v2_0 import client as v2_client

from tests.live import ADMIN_PASSWORD, Api, LiveCloud

pytestmark = pytest.mark.clients


def v2_client_for(cloud: LiveCloud, username: str, password: str, tenant: str) -> v2_client.Client:
    auth = v2.Password(auth_url=cloud.base_url + "/identity/v2.0", username=username,
                       password=password, tenant_name=tenant)
    sess = ks_session.Session(auth=auth)
    return v2_client.Client(session=sess, endpoint_override=cloud.base_url + "/identity/v2.0")


def test_keystoneclient_v2_admin_calls(cloud: LiveCloud) -> None:
    ks = v2_client_for(cloud, "admin", ADMIN_PASSWORD, "admin")
    aliases = {e.alias for e in ks.extensions.list()}
    assert {"OS-KSADM", "OS-KSCRUD"} <= aliases
    assert "admin" in [t.name for t in ks.tenants.list()]
    assert "member" in [r.name for r in ks.roles.list()]
    kind = f"legacy-{uuid.uuid4().hex[:6]}"
    service = ks.services.create(kind, kind, "a 2013 service")
    assert (service.type, service.description) == (kind, "a 2013 service")
    assert service.id in [s.id for s in ks.services.list()]
    assert ks.services.get(service.id).name == kind
    endpoint = ks.endpoints.create("RegionOne", service.id, "http://127.0.0.1:9/pub",
                                   "http://127.0.0.1:9/adm", "http://127.0.0.1:9/int")
    listed = {e.id: e for e in ks.endpoints.list()}
    assert listed[endpoint.id].publicURL == "http://127.0.0.1:9/pub"
    assert listed[endpoint.id].adminURL == "http://127.0.0.1:9/adm"
    assert any(getattr(e, "service_id", None) for e in listed.values())
    ks.endpoints.delete(endpoint.id)
    assert endpoint.id not in {e.id for e in ks.endpoints.list()}
    ks.services.delete(service.id)
    assert service.id not in [s.id for s in ks.services.list()]
    name = f"v2user-{uuid.uuid4().hex[:6]}"
    tenant = ks.tenants.create(f"v2t-{uuid.uuid4().hex[:6]}")
    user = ks.users.create(name, "first-pw-1", tenant_id=tenant.id)
    assert ks.users.get(user.id).name == name
    # OS-KSCRUD: the user changes its own password and gets a new token.
    own = v2_client_for(cloud, name, "first-pw-1", tenant.name)
    own.users.update_own_password("first-pw-1", "second-pw-2")
    assert v2_client_for(cloud, name, "second-pw-2", tenant.name).tenants.list()
    ks.users.delete(user.id)
    ks.tenants.delete(tenant.id)


def test_v2_extension_routes_refusals(cloud: LiveCloud, member: Api, admin: Api) -> None:
    v2url = cloud.base_url + "/identity/v2.0"
    assert httpx.get(v2url + "/extensions/OS-KSADM").json()["extension"]["alias"] == "OS-KSADM"
    assert httpx.get(v2url + "/extensions/OS-NOPE").status_code == 404
    headers = {"X-Auth-Token": member.token}
    assert httpx.get(v2url + "/endpoints", headers=headers).status_code == 403
    assert httpx.get(v2url + "/OS-KSADM/services", headers=headers).status_code == 403
    assert httpx.delete(v2url + "/endpoints/missing",
                        headers={"X-Auth-Token": admin.token}).status_code == 404
    assert httpx.post(v2url + "/endpoints", json={"endpoint": {"service_id": "x"}},
                      headers={"X-Auth-Token": admin.token}).status_code == 400
    other = httpx.patch(f"{v2url}/OS-KSCRUD/users/{admin.user_id}", headers=headers, json={
        "user": {"password": "x", "original_password": member.password}})
    assert other.status_code == 403
    wrong = httpx.patch(f"{v2url}/OS-KSCRUD/users/{member.user_id}", headers=headers, json={
        "user": {"password": "x-new-1", "original_password": "not-it"}})
    assert wrong.status_code == 401
