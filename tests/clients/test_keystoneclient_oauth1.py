"""python-keystoneclient's OS-OAUTH1 client end to end against the live cloud: an admin makes
a consumer, the consumer gets a request token on the member's project, the member authorizes
it with one of its roles, the consumer exchanges it for an access token, and keystoneauth's
OAuth1 plugin gets a project-scoped token with it that a service (Cinder) accepts; deleting the
access token ends that token."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from keystoneauth1 import session as ks_session
from keystoneauth1.extras import oauth1 as ksa_oauth1
from keystoneauth1.identity import v3
from keystoneclient.v3 import client as v3_client  # type: ignore[import-untyped]

from tests.live import ADMIN_PASSWORD, Api, LiveCloud

pytestmark = pytest.mark.clients


def v3_client_for(cloud: LiveCloud, **auth: Any) -> Any:
    plugin = v3.Password(auth_url=cloud.auth_url, user_domain_id="default",
                         project_domain_id="default", **auth)
    return v3_client.Client(session=ks_session.Session(auth=plugin))


def test_keystoneclient_oauth1_delegation(cloud: LiveCloud, member: Api) -> None:
    admin_ks = v3_client_for(cloud, username="admin", password=ADMIN_PASSWORD,
                             project_name="admin")
    member_ks = v3_client_for(cloud, user_id=member.user_id, password=member.password,
                              project_id=member.project_id)
    consumer = admin_ks.oauth1.consumers.create(description="a delegating tool")
    assert admin_ks.oauth1.consumers.get(consumer.id).description == "a delegating tool"
    request = admin_ks.oauth1.request_tokens.create(consumer.id, consumer.secret,
                                                    member.project_id)
    authorized = member_ks.oauth1.request_tokens.authorize(request.id,
                                                           [member.role_id("reader")])
    access = admin_ks.oauth1.access_tokens.create(consumer.id, consumer.secret, request.key,
                                                  request.secret, authorized.oauth_verifier)
    plugin = ksa_oauth1.V3OAuth1(auth_url=cloud.auth_url, consumer_key=consumer.id,
                                 consumer_secret=consumer.secret, access_key=access.key,
                                 access_secret=access.secret)
    sess = ks_session.Session(auth=plugin)
    info = plugin.get_access(sess)
    assert info.project_id == member.project_id
    assert info.role_names == ["reader"]
    assert (info.oauth_access_token_id, info.oauth_consumer_id) == (access.key, consumer.id)
    volumes = httpx.get(f"{cloud.base_url}/volume/v3/{member.project_id}/volumes",
                        headers={"X-Auth-Token": str(info.auth_token)}, timeout=30)
    assert volumes.status_code == 200, volumes.text
    path = f"/identity/v3/users/{member.user_id}/OS-OAUTH1/access_tokens/{access.key}"
    assert member.delete(path).status_code == 204
    assert member.get("/identity/v3/auth/tokens",
                      headers={"X-Subject-Token": str(info.auth_token)}).status_code == 404
    admin_ks.oauth1.consumers.delete(consumer.id)
    assert consumer.id not in [c.id for c in admin_ks.oauth1.consumers.list()]
