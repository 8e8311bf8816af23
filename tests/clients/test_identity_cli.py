"""The stock `openstack` command against the identity API, as the cloud's admin (clouds.yaml
cloud `pocketstack-admin`): tokens, the catalog, projects, users, roles and their grants."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.clients.conftest import CliError, run_openstack
from tests.live import Api, LiveCloud

pytestmark = pytest.mark.clients

ADMIN = "pocketstack-admin"


def admin_osc(cloud: LiveCloud, *args: str, fmt: bool = True) -> Any:
    return run_openstack(cloud, *args, cloud_name=ADMIN, fmt=fmt)


def test_token_issue_and_catalog_list(cloud: LiveCloud, admin: Api) -> None:
    token = admin_osc(cloud, "token", "issue")
    assert token["project_id"] == admin.project_id
    assert token["user_id"] == admin.user_id
    catalog = {entry["Type"]: entry for entry in admin_osc(cloud, "catalog", "list")}
    assert set(catalog) == {"identity", "compute", "image", "network",
                            "block-storage", "volumev3", "placement"}
    assert catalog["identity"]["Name"] == "keystone"


def test_project_create_list_show_delete(cloud: LiveCloud, unique: str,
                                         cleanup: list[Callable[[], object]]) -> None:
    name = f"cli-p-{unique}"
    project = admin_osc(cloud, "project", "create", "--description", "from the CLI", name)
    cleanup.append(lambda: admin_osc(cloud, "project", "delete", project["id"], fmt=False))
    assert (project["name"], project["domain_id"], project["enabled"]) == (name, "default", True)
    assert name in {p["Name"] for p in admin_osc(cloud, "project", "list")}
    shown = admin_osc(cloud, "project", "show", name)
    assert (shown["id"], shown["description"]) == (project["id"], "from the CLI")
    admin_osc(cloud, "project", "delete", name, fmt=False)
    assert name not in {p["Name"] for p in admin_osc(cloud, "project", "list")}
    with pytest.raises(CliError):
        admin_osc(cloud, "project", "show", name)


def test_user_create_list_delete(cloud: LiveCloud, unique: str,
                                 cleanup: list[Callable[[], object]]) -> None:
    name = f"cli-u-{unique}"
    user = admin_osc(cloud, "user", "create", "--password", "cli-pw-1", "--email", "cli@example.com", name)
    cleanup.append(lambda: admin_osc(cloud, "user", "delete", user["id"], fmt=False))
    assert (user["name"], user["email"], user["enabled"]) == (name, "cli@example.com", True)
    assert name in {u["Name"] for u in admin_osc(cloud, "user", "list")}
    admin_osc(cloud, "user", "delete", name, fmt=False)
    assert name not in {u["Name"] for u in admin_osc(cloud, "user", "list")}


def test_role_list_add_and_assignment_list(cloud: LiveCloud, unique: str,
                                           cleanup: list[Callable[[], object]]) -> None:
    assert {"admin", "member", "reader"} <= {r["Name"] for r in admin_osc(cloud, "role", "list")}
    project = admin_osc(cloud, "project", "create", f"cli-rp-{unique}")
    cleanup.append(lambda: admin_osc(cloud, "project", "delete", project["id"], fmt=False))
    user = admin_osc(cloud, "user", "create", "--password", "cli-pw-2", f"cli-ru-{unique}")
    cleanup.append(lambda: admin_osc(cloud, "user", "delete", user["id"], fmt=False))
    admin_osc(cloud, "role", "add", "--project", project["name"], "--user", user["name"], "member", fmt=False)
    assignments = admin_osc(cloud, "role", "assignment", "list", "--user", user["id"], "--names")
    assert [(a["Role"], a["User"], a["Project"]) for a in assignments] == [
        ("member", f"{user['name']}@Default", f"{project['name']}@Default")]
    by_project = admin_osc(cloud, "role", "assignment", "list", "--project", project["id"])
    assert [a["User"] for a in by_project] == [user["id"]]
    admin_osc(cloud, "role", "remove", "--project", project["id"], "--user", user["id"], "member", fmt=False)
    assert admin_osc(cloud, "role", "assignment", "list", "--user", user["id"]) == []


def test_endpoint_and_service_list(cloud: LiveCloud) -> None:
    endpoints = admin_osc(cloud, "endpoint", "list", "--interface", "public")
    assert {e["Service Type"] for e in endpoints} == {"identity", "compute", "image", "network",
                                                      "block-storage", "volumev3", "placement"}
    assert all(e["URL"].startswith(cloud.base_url) for e in endpoints)
    assert {s["Type"] for s in admin_osc(cloud, "service", "list")} == {"identity", "compute", "image", "network",
                                                                        "block-storage", "volumev3", "placement"}


def test_member_is_refused_admin_commands(cloud: LiveCloud, demo: Api) -> None:
    # The refusal below only means something if the CLI is the demo member of this very cloud
    # (user ids are random per cloud) and that member holds no admin role.
    token = run_openstack(cloud, "token", "issue")
    assert (token["user_id"], token["project_id"]) == (demo.user_id, demo.project_id)
    assert "admin" not in {r["name"] for r in demo.token_body["token"]["roles"]}
    with pytest.raises(CliError, match="403"):
        run_openstack(cloud, "user", "list")
    with pytest.raises(CliError, match="403"):
        run_openstack(cloud, "group", "create", "cli-refused")
    # Refused the full list, the CLI falls back to the user's own projects.
    assert [p["ID"] for p in run_openstack(cloud, "project", "list")] == [demo.project_id]


def test_group_commands(cloud: LiveCloud, unique: str, cleanup: list[Callable[[], object]]) -> None:
    group = admin_osc(cloud, "group", "create", "--description", "from the CLI", f"cli-g-{unique}")
    cleanup.append(lambda: admin_osc(cloud, "group", "delete", group["id"], fmt=False))
    assert (group["name"], group["description"], group["domain_id"]) == (
        f"cli-g-{unique}", "from the CLI", "default")
    user = admin_osc(cloud, "user", "create", "--password", "cli-pw-3", f"cli-gu-{unique}")
    cleanup.append(lambda: admin_osc(cloud, "user", "delete", user["id"], fmt=False))
    project = admin_osc(cloud, "project", "create", f"cli-gp-{unique}")
    cleanup.append(lambda: admin_osc(cloud, "project", "delete", project["id"], fmt=False))
    assert group["name"] in {g["Name"] for g in admin_osc(cloud, "group", "list")}
    admin_osc(cloud, "group", "add", "user", group["name"], user["name"], fmt=False)
    contains = admin_osc(cloud, "group", "contains", "user", group["id"], user["id"], fmt=False)
    assert contains.strip() == f"{user['id']} in group {group['id']}"
    assert [u["Name"] for u in admin_osc(cloud, "user", "list", "--group", group["id"])] == [user["name"]]
    admin_osc(cloud, "role", "add", "--project", project["id"], "--group", group["id"], "member", fmt=False)
    by_group = admin_osc(cloud, "role", "assignment", "list", "--group", group["id"])
    assert [(a["Role"], a["Group"], a["Project"]) for a in by_group] == [
        (admin_osc(cloud, "role", "show", "member")["id"], group["id"], project["id"])]
    effective = admin_osc(cloud, "role", "assignment", "list", "--user", user["id"], "--effective")
    assert [(a["User"], a["Project"]) for a in effective] == [(user["id"], project["id"])]
    admin_osc(cloud, "group", "remove", "user", group["id"], user["id"], fmt=False)
    # "not in group" goes to stderr; stdout stays empty.
    assert admin_osc(cloud, "group", "contains", "user", group["id"], user["id"], fmt=False) == ""
    assert admin_osc(cloud, "user", "list", "--group", group["id"]) == []
    admin_osc(cloud, "role", "remove", "--project", project["id"], "--group", group["id"], "member", fmt=False)
    assert admin_osc(cloud, "role", "assignment", "list", "--group", group["id"]) == []
