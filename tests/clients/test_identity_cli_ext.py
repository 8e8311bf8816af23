"""The stock `openstack` command on Identity's extensions: trusts, registered limits and
limits, endpoint groups, and admin commands with a system-scoped token
(`--os-system-scope all`)."""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest

from tests import cli
from tests.clients.conftest import OPENSTACK, CliError, run_openstack
from tests.live import ADMIN_PASSWORD, Api, LiveCloud

pytestmark = pytest.mark.clients

ADMIN = "pocketstack-admin"


def admin_osc(cloud: LiveCloud, *args: str, fmt: bool = True) -> Any:
    return run_openstack(cloud, *args, cloud_name=ADMIN, fmt=fmt)


def test_trust_create_list_show_delete(cloud: LiveCloud, admin: Api, member: Api) -> None:
    trust = admin_osc(cloud, "trust", "create", "--project", "admin", "--role", "member",
                      "--impersonate", "admin", member.user_id)
    assert (trust["trustee_user_id"], trust["is_impersonation"]) == (member.user_id, True)
    assert trust["project_id"] == admin.project_id
    listed = admin_osc(cloud, "trust", "list")
    assert trust["id"] in [t["ID"] for t in listed]
    shown = admin_osc(cloud, "trust", "show", trust["id"])
    assert shown["trustor_user_id"] == admin.user_id
    admin_osc(cloud, "trust", "delete", trust["id"], fmt=False)
    assert trust["id"] not in [t["ID"] for t in admin_osc(cloud, "trust", "list")]
    with pytest.raises(CliError):
        admin_osc(cloud, "trust", "show", trust["id"])


def test_registered_limit_and_limit(cloud: LiveCloud, member: Api) -> None:
    resource = f"cli-cores-{uuid.uuid4().hex[:6]}"
    registered = admin_osc(cloud, "registered", "limit", "create", "--service", "nova",
                           "--default-limit", "10", "--region", "RegionOne", resource)
    assert (registered["resource_name"], registered["default_limit"]) == (resource, 10)
    listed = admin_osc(cloud, "registered", "limit", "list", "--resource-name", resource)
    assert [r["ID"] for r in listed] == [registered["id"]]
    limit = admin_osc(cloud, "limit", "create", "--project", member.project_id, "--service",
                      "nova", "--resource-limit", "5", "--region", "RegionOne", resource)
    assert (limit["project_id"], limit["resource_limit"]) == (member.project_id, 5)
    limits = admin_osc(cloud, "limit", "list", "--resource-name", resource)
    assert [x["ID"] for x in limits] == [limit["id"]]
    admin_osc(cloud, "limit", "set", "--resource-limit", "7", limit["id"])
    assert admin_osc(cloud, "limit", "show", limit["id"])["resource_limit"] == 7
    admin_osc(cloud, "limit", "delete", limit["id"], fmt=False)
    admin_osc(cloud, "registered", "limit", "delete", registered["id"], fmt=False)
    assert admin_osc(cloud, "registered", "limit", "list", "--resource-name", resource) == []


def test_endpoint_group_create_and_add_project(cloud: LiveCloud, member: Api, tmp_path: Any) -> None:
    filters = tmp_path / "filters.json"
    filters.write_text(json.dumps({"interface": "public"}))
    name = f"cli-eg-{uuid.uuid4().hex[:6]}"
    group = admin_osc(cloud, "endpoint", "group", "create", "--description", "public ones",
                      name, str(filters))
    assert group["name"] == name and group["filters"] == {"interface": "public"}
    admin_osc(cloud, "endpoint", "group", "add", "project", name, member.project_id, fmt=False)
    assert name in [g["Name"] for g in admin_osc(cloud, "endpoint", "group", "list")]
    projects = admin_osc(cloud, "endpoint", "group", "list", "--endpointgroup", name)
    assert member.project_id in [p["ID"] for p in projects]
    admin_osc(cloud, "endpoint", "group", "remove", "project", name, member.project_id, fmt=False)
    admin_osc(cloud, "endpoint", "group", "delete", name, fmt=False)


def _system_osc(cloud: LiveCloud, *args: str) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update({"OS_AUTH_URL": cloud.auth_url, "OS_IDENTITY_API_VERSION": "3",
                "OS_USERNAME": "admin", "OS_PASSWORD": ADMIN_PASSWORD,
                "OS_USER_DOMAIN_NAME": "Default", "OS_REGION_NAME": "RegionOne"})
    proc = cli.run([str(OPENSTACK), "--os-system-scope", "all", *args, "-f", "json"], env)
    if proc.returncode != 0:
        raise CliError(f"{' '.join(args)} exited {proc.returncode}:\n{proc.stderr}{proc.stdout}")
    return json.loads(proc.stdout)


def test_system_scope_admin_commands(cloud: LiveCloud, member: Api) -> None:
    token = _system_osc(cloud, "token", "issue")
    assert token["system"] == "all" or token.get("system") == {"all": True}
    assert "project_id" not in token or not token["project_id"]
    assert member.username in [u["Name"] for u in _system_osc(cloud, "user", "list")]
    assert "admin" in [p["Name"] for p in _system_osc(cloud, "project", "list")]
    assignments = _system_osc(cloud, "role", "assignment", "list", "--system", "all", "--names")
    assert any(a["User"].startswith("admin") and a["System"] == "all" for a in assignments)


def test_registered_limits_set_glance_and_cinder_quotas(cloud: LiveCloud, member: Api) -> None:
    """`openstack registered limit create --service glance image_count_total` and a project
    limit for Cinder's `volumes`: each service refuses over them with its own 413."""
    made: list[tuple[str, str]] = []
    try:
        for service, resource in (("glance", "image_count_total"), ("cinder", "volumes")):
            registered = admin_osc(cloud, "registered", "limit", "create", "--service", service,
                                   "--default-limit", "100", "--region", "RegionOne", resource)
            made.append(("registered", registered["id"]))
            limit = admin_osc(cloud, "limit", "create", "--project", member.project_id,
                              "--service", service, "--resource-limit", "0", "--region",
                              "RegionOne", resource)
            made.append(("limit", limit["id"]))
        image = member.post("/image/v2/images", json={"name": "refused"})
        assert image.status_code == 413, image.text
        assert "image_count_total is over limit of 0" in image.text
        volume = member.post(f"/volume/v3/{member.project_id}/volumes",
                             json={"volume": {"size": 1}})
        assert volume.status_code == 413, volume.text
        assert volume.json()["overLimit"]["message"] == \
            "Maximum number of volumes allowed (0) exceeded for quota 'volumes'."
    finally:
        for kind, made_id in reversed(made):
            admin_osc(cloud, *(["registered"] if kind == "registered" else []), "limit",
                      "delete", made_id, fmt=False)
