"""The identity API (Keystone v3 and v2.0): its route table, paths relative to /identity."""

from __future__ import annotations

from pocketstack.api.identity import (
    assignments_v3,
    catalog_v3,
    discovery,
    domains_v3,
    groups_v3,
    project_tags_v3,
    projects_v3,
    roles_v3,
    tenants_v2,
    tokens_v2,
    tokens_v3,
    users_v2,
    users_v3,
)
from pocketstack.api.routing import Route

PROJECT_GRANT = "/v3/projects/{project_id}/users/{user_id}/roles"
DOMAIN_GRANT = "/v3/domains/{domain_id}/users/{user_id}/roles"
SYSTEM_GRANT = "/v3/system/users/{user_id}/roles"
PROJECT_GROUP_GRANT = "/v3/projects/{project_id}/groups/{group_id}/roles"
DOMAIN_GROUP_GRANT = "/v3/domains/{domain_id}/groups/{group_id}/roles"
SYSTEM_GROUP_GRANT = "/v3/system/groups/{group_id}/roles"
GROUP_MEMBER = "/v3/groups/{group_id}/users/{user_id}"
PROJECT_TAGS = "/v3/projects/{project_id}/tags"
SYSTEM = {"system": True}

DISCOVERY_ROUTES: list[Route] = [
    Route("GET", "/", discovery.list_versions, auth=False),
    Route("GET", "/v3", discovery.show_v3, auth=False),
    Route("GET", "/v2.0", discovery.show_v2, auth=False),
]

V3_ROUTES: list[Route] = [
    Route("POST", "/v3/auth/tokens", tokens_v3.create_token, auth=False),
    Route("GET", "/v3/auth/tokens", tokens_v3.validate_token),
    Route("HEAD", "/v3/auth/tokens", tokens_v3.check_token),
    Route("DELETE", "/v3/auth/tokens", tokens_v3.revoke_token),
    Route("GET", "/v3/auth/catalog", tokens_v3.show_catalog),
    Route("GET", "/v3/auth/projects", tokens_v3.list_auth_projects),
    Route("GET", "/v3/auth/domains", tokens_v3.list_auth_domains),
    Route("POST", "/v3/projects", projects_v3.create_project),
    Route("GET", "/v3/projects", projects_v3.list_projects),
    Route("GET", "/v3/projects/{project_id}", projects_v3.show_project),
    Route("PATCH", "/v3/projects/{project_id}", projects_v3.update_project),
    Route("DELETE", "/v3/projects/{project_id}", projects_v3.delete_project),
    Route("GET", PROJECT_TAGS, project_tags_v3.list_tags),
    Route("PUT", PROJECT_TAGS, project_tags_v3.replace_tags),
    Route("DELETE", PROJECT_TAGS, project_tags_v3.delete_all_tags),
    Route("GET", PROJECT_TAGS + "/{tag}", project_tags_v3.check_tag),
    Route("PUT", PROJECT_TAGS + "/{tag}", project_tags_v3.add_tag),
    Route("DELETE", PROJECT_TAGS + "/{tag}", project_tags_v3.delete_tag),
    Route("POST", "/v3/users", users_v3.create_user),
    Route("GET", "/v3/users", users_v3.list_users),
    Route("GET", "/v3/users/{user_id}", users_v3.show_user),
    Route("PATCH", "/v3/users/{user_id}", users_v3.update_user),
    Route("DELETE", "/v3/users/{user_id}", users_v3.delete_user),
    Route("POST", "/v3/users/{user_id}/password", users_v3.change_password, auth=False),
    Route("GET", "/v3/users/{user_id}/projects", users_v3.list_user_projects),
    Route("POST", "/v3/roles", roles_v3.create_role),
    Route("GET", "/v3/roles", roles_v3.list_roles),
    Route("GET", "/v3/roles/{role_id}", roles_v3.show_role),
    Route("PATCH", "/v3/roles/{role_id}", roles_v3.update_role),
    Route("DELETE", "/v3/roles/{role_id}", roles_v3.delete_role),
    Route("GET", PROJECT_GRANT, assignments_v3.list_grants),
    Route("PUT", PROJECT_GRANT + "/{role_id}", assignments_v3.grant_role),
    Route("GET", PROJECT_GRANT + "/{role_id}", assignments_v3.check_grant),
    Route("DELETE", PROJECT_GRANT + "/{role_id}", assignments_v3.revoke_grant),
    Route("GET", DOMAIN_GRANT, assignments_v3.list_grants),
    Route("PUT", DOMAIN_GRANT + "/{role_id}", assignments_v3.grant_role),
    Route("GET", DOMAIN_GRANT + "/{role_id}", assignments_v3.check_grant),
    Route("DELETE", DOMAIN_GRANT + "/{role_id}", assignments_v3.revoke_grant),
    Route("GET", SYSTEM_GRANT, assignments_v3.list_grants, options=SYSTEM),
    Route("PUT", SYSTEM_GRANT + "/{role_id}", assignments_v3.grant_role, options=SYSTEM),
    Route("GET", SYSTEM_GRANT + "/{role_id}", assignments_v3.check_grant, options=SYSTEM),
    Route("DELETE", SYSTEM_GRANT + "/{role_id}", assignments_v3.revoke_grant, options=SYSTEM),
    Route("GET", "/v3/role_assignments", assignments_v3.list_role_assignments),
    Route("POST", "/v3/groups", groups_v3.create_group),
    Route("GET", "/v3/groups", groups_v3.list_groups),
    Route("GET", "/v3/groups/{group_id}", groups_v3.show_group),
    Route("PATCH", "/v3/groups/{group_id}", groups_v3.update_group),
    Route("DELETE", "/v3/groups/{group_id}", groups_v3.delete_group),
    Route("GET", "/v3/groups/{group_id}/users", groups_v3.list_members),
    Route("PUT", GROUP_MEMBER, groups_v3.add_member),
    Route("GET", GROUP_MEMBER, groups_v3.check_member),
    Route("DELETE", GROUP_MEMBER, groups_v3.remove_member),
    Route("GET", "/v3/users/{user_id}/groups", groups_v3.list_user_groups),
    Route("GET", PROJECT_GROUP_GRANT, assignments_v3.list_grants),
    Route("PUT", PROJECT_GROUP_GRANT + "/{role_id}", assignments_v3.grant_role),
    Route("GET", PROJECT_GROUP_GRANT + "/{role_id}", assignments_v3.check_grant),
    Route("DELETE", PROJECT_GROUP_GRANT + "/{role_id}", assignments_v3.revoke_grant),
    Route("GET", DOMAIN_GROUP_GRANT, assignments_v3.list_grants),
    Route("PUT", DOMAIN_GROUP_GRANT + "/{role_id}", assignments_v3.grant_role),
    Route("GET", DOMAIN_GROUP_GRANT + "/{role_id}", assignments_v3.check_grant),
    Route("DELETE", DOMAIN_GROUP_GRANT + "/{role_id}", assignments_v3.revoke_grant),
    Route("GET", SYSTEM_GROUP_GRANT, assignments_v3.list_grants, options=SYSTEM),
    Route("PUT", SYSTEM_GROUP_GRANT + "/{role_id}", assignments_v3.grant_role, options=SYSTEM),
    Route("GET", SYSTEM_GROUP_GRANT + "/{role_id}", assignments_v3.check_grant, options=SYSTEM),
    Route("DELETE", SYSTEM_GROUP_GRANT + "/{role_id}", assignments_v3.revoke_grant, options=SYSTEM),
    Route("POST", "/v3/domains", domains_v3.create_domain),
    Route("GET", "/v3/domains", domains_v3.list_domains),
    Route("GET", "/v3/domains/{domain_id}", domains_v3.show_domain),
    Route("PATCH", "/v3/domains/{domain_id}", domains_v3.update_domain),
    Route("DELETE", "/v3/domains/{domain_id}", domains_v3.delete_domain),
    Route("GET", "/v3/services", catalog_v3.list_services),
    Route("GET", "/v3/services/{service_id}", catalog_v3.show_service),
    Route("GET", "/v3/endpoints", catalog_v3.list_endpoints),
    Route("GET", "/v3/endpoints/{endpoint_id}", catalog_v3.show_endpoint),
    Route("GET", "/v3/regions", catalog_v3.list_regions),
    Route("GET", "/v3/regions/{region_id}", catalog_v3.show_region),
]

V2_ROUTES: list[Route] = [
    Route("POST", "/v2.0/tokens", tokens_v2.create_token, auth=False),
    Route("GET", "/v2.0/tokens/{token_id}", tokens_v2.validate_token),
    Route("DELETE", "/v2.0/tokens/{token_id}", tokens_v2.revoke_token),
    Route("GET", "/v2.0/tenants", tokens_v2.list_tenants),
    Route("POST", "/v2.0/tenants", tenants_v2.create_tenant),
    Route("GET", "/v2.0/tenants/{tenant_id}", tenants_v2.show_tenant),
    Route("POST", "/v2.0/tenants/{tenant_id}", tenants_v2.update_tenant),
    Route("PUT", "/v2.0/tenants/{tenant_id}", tenants_v2.update_tenant),
    Route("DELETE", "/v2.0/tenants/{tenant_id}", tenants_v2.delete_tenant),
    Route("GET", "/v2.0/tenants/{tenant_id}/users/{user_id}/roles", tenants_v2.list_user_roles),
    Route("PUT", "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}",
          tenants_v2.add_user_role),
    Route("DELETE", "/v2.0/tenants/{tenant_id}/users/{user_id}/roles/OS-KSADM/{role_id}",
          tenants_v2.remove_user_role),
    Route("GET", "/v2.0/users", users_v2.list_users),
    Route("POST", "/v2.0/users", users_v2.create_user),
    Route("GET", "/v2.0/users/{user_id}", users_v2.show_user),
    Route("PUT", "/v2.0/users/{user_id}", users_v2.update_user),
    Route("DELETE", "/v2.0/users/{user_id}", users_v2.delete_user),
    Route("PUT", "/v2.0/users/{user_id}/OS-KSADM/password", users_v2.update_user),
    Route("PUT", "/v2.0/users/{user_id}/OS-KSADM/enabled", users_v2.update_user),
    Route("GET", "/v2.0/OS-KSADM/roles", users_v2.list_roles),
]

ROUTES: list[Route] = DISCOVERY_ROUTES + V3_ROUTES + V2_ROUTES
