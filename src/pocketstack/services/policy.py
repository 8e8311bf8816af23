"""Who may do what: every guarded action and its rule, in one table (like OpenStack's policy
defaults). Use cases call `authorize(caller, "compute:servers:create", target_project)`;
the action's prefix names the service whose wording a refusal takes.

Rules:
  admin           the token carries the admin role
  member          any project-scoped token (project reader may only read)
  owner           the token's project is the target project, or admin
  any             any valid token
"""

from __future__ import annotations

from pocketstack import errors
from pocketstack.services.caller import Caller

RULES: dict[str, str] = {
    # Identity
    "identity:admin": "admin",
    # Compute
    "compute:servers:all_tenants": "admin",
    "compute:servers:index": "member",
    "compute:servers:show": "member",
    "compute:servers:create": "member",
    "compute:servers:create:forced_host": "admin",
    "compute:servers:create:requested_destination": "admin",
    "compute:servers:create:trusted_certs": "member",
    "compute:servers:update": "member",
    "compute:servers:delete": "member",
    "compute:server-metadata:index": "member",
    "compute:server-metadata:update": "member",
    "compute:ips:index": "member",
    "compute:servers:reboot": "member",
    "compute:servers:start": "member",
    "compute:servers:stop": "member",
    "compute:servers:trigger_crash_dump": "member",
    "compute:os-pause-server:pause": "member",
    "compute:os-pause-server:unpause": "member",
    "compute:os-suspend-server:suspend": "member",
    "compute:os-suspend-server:resume": "member",
    "compute:os-lock-server:lock": "member",
    "compute:os-lock-server:unlock": "member",
    "compute:os-lock-server:unlock:unlock_override": "admin",
    "compute:os-rescue": "member",
    "compute:os-unrescue": "member",
    "compute:os-admin-password": "member",
    "compute:os-console-output": "member",
    "compute:os-remote-consoles": "member",
    "compute:os-consoles": "member",
    "compute:os-admin-actions:reset_state": "admin",
    "compute:os-admin-actions:reset_network": "admin",
    "compute:os-admin-actions:inject_network_info": "admin",
    "compute:os-server-diagnostics": "admin",
    "compute:server:topology:index": "member",
    "compute:server:topology:host:index": "admin",
    "compute:os-server-password:show": "member",
    "compute:os-server-password:clear": "member",
    "compute:os-instance-actions:list": "member",
    "compute:os-instance-actions:show": "member",
    "compute:os-instance-actions:events": "admin",
    "compute:os-instance-actions:events:details": "admin",
    # Moves, server events, interfaces, volume attachments, shares, console tokens.
    "compute:os-migrations:index": "admin",
    "compute:os-migrations:index:all_projects": "admin",
    "compute:os-migrations:index:host": "admin",
    "compute:servers:migrations:index": "admin",
    "compute:servers:migrations:index:host": "admin",
    "compute:servers:migrations:show": "admin",
    "compute:servers:migrations:force_complete": "admin",
    "compute:servers:migrations:delete": "admin",
    "compute:os-server-external-events:create": "admin",
    "compute:os-attach-interfaces:list": "member",
    "compute:os-attach-interfaces:show": "member",
    "compute:os-attach-interfaces:create": "member",
    "compute:os-attach-interfaces:delete": "member",
    "compute:os-volumes-attachments:index": "member",
    "compute:os-volumes-attachments:show": "member",
    "compute:os-volumes-attachments:create": "member",
    "compute:os-volumes-attachments:update": "member",
    "compute:os-volumes-attachments:swap": "admin",
    "compute:os-volumes-attachments:delete": "member",
    "compute:os-server-shares:index": "owner",
    "compute:os-server-shares:create": "owner",
    "compute:os-server-shares:show": "owner",
    "compute:os-server-shares:delete": "owner",
    "compute:os-console-auth-tokens": "admin",
    "compute:servers:rebuild": "member",
    "compute:servers:rebuild:trusted_certs": "member",
    "compute:servers:resize": "member",
    "compute:servers:confirm_resize": "member",
    "compute:servers:revert_resize": "member",
    "compute:servers:create_image": "member",
    "compute:os-create-backup": "member",
    "compute:os-migrate-server:migrate": "admin",
    "compute:os-migrate-server:migrate:host": "admin",
    "compute:os-migrate-server:migrate_live": "admin",
    "compute:os-migrate-server:migrate_live:host": "admin",
    "compute:os-evacuate": "admin",
    "compute:os-shelve:shelve": "member",
    "compute:os-shelve:shelve_offload": "admin",
    "compute:os-shelve:unshelve": "member",
    "compute:os-shelve:unshelve_to_host": "admin",
    "compute:os-deferred-delete:restore": "member",
    "compute:os-deferred-delete:force": "member",
    "compute:os-security-groups:add": "member",
    "compute:os-security-groups:remove": "member",
    "compute:os-multinic:add": "member",
    "compute:os-multinic:remove": "member",
    "compute:os-floating-ips:add": "member",
    "compute:os-floating-ips:remove": "member",
    "compute:os-floating-ips:list": "member",
    "compute:os-floating-ips:show": "member",
    "compute:os-floating-ips:create": "member",
    "compute:os-floating-ips:delete": "member",
    "compute:os-floating-ip-pools:list": "member",
    "compute:os-server-tags:index": "member",
    "compute:os-server-tags:update": "member",
    "compute:os-server-tags:delete": "member",
    "network:floatingips:create": "member",
    "network:floatingips:get": "member",
    "network:floatingips:update": "member",
    "network:floatingips:delete": "member",
    # Another user's keypairs (a caller's own need no rule).
    "compute:os-keypairs:index": "admin",
    "compute:os-keypairs:show": "admin",
    "compute:os-keypairs:create": "admin",
    "compute:os-keypairs:delete": "admin",
    "compute:os-flavor-manage:create": "admin",
    "compute:os-flavor-manage:delete": "admin",
    "compute:os-flavor-manage:update": "admin",
    "compute:os-flavor-access": "admin",
    "compute:os-flavor-access:add_tenant_access": "admin",
    "compute:os-flavor-access:remove_tenant_access": "admin",
    "compute:os-flavor-extra-specs:index": "any",
    "compute:os-flavor-extra-specs:show": "any",
    "compute:os-flavor-extra-specs:create": "admin",
    "compute:os-flavor-extra-specs:update": "admin",
    "compute:os-flavor-extra-specs:delete": "admin",
    "compute:os-quota-sets:defaults": "any",
    "compute:os-quota-sets:delete": "admin",
    "compute:os-quota-class-sets:show": "admin",
    "compute:os-quota-class-sets:update": "admin",
    "compute:os-availability-zone:list": "any",
    "compute:os-availability-zone:detail": "admin",
    "compute:os-hypervisors": "admin",
    "compute:os-services": "admin",
    "compute:os-aggregates": "admin",
    "compute:os-server-groups": "member",
    "compute:os-agents": "admin",
    "compute:os-cloudpipe": "admin",
    "compute:os-certificates": "member",
    "compute:os-fping": "member",
    "compute:os-fping:all_tenants": "admin",
    "compute:os-cells": "admin",
    "compute:os-coverage": "admin",
    "compute:os-hosts": "admin",
    "compute:os-simple-tenant-usage:list": "admin",
    "compute:os-simple-tenant-usage:show": "owner",
    "compute:os-instance-usage-audit-log:list": "admin",
    "compute:os-instance-usage-audit-log:show": "admin",
    "compute:os-networks:list": "member",
    "compute:os-networks:show": "member",
    "compute:os-networks:manage": "admin",
    "compute:os-networks-associate": "admin",
    "compute:os-tenant-networks": "member",
    "compute:os-fixed-ips": "admin",
    "compute:os-floating-ips-bulk": "admin",
    "compute:os-floating-ip-dns": "member",
    "compute:os-floating-ip-dns:domain": "admin",
    "compute:os-virtual-interfaces": "member",
    "compute:os-security-groups:list": "member",
    "compute:os-security-groups:show": "member",
    "compute:os-security-groups:create": "member",
    "compute:os-security-groups:update": "member",
    "compute:os-security-groups:delete": "member",
    "compute:os-security-groups:rule_create": "member",
    "compute:os-security-groups:rule_delete": "member",
    "compute:os-security-groups:list_server": "member",
    "compute:os-quota-sets:update": "admin",
    "compute:os-quota-sets:show": "owner",
    "compute:limits:other_project": "admin",
    # Image
    "image:publicize": "admin",
    # Block storage (Cinder's policy names).
    "volume_extension:types_manage": "admin",
    "volume_extension:volume_type_access": "admin",
    "volume_extension:volume_type_access:addProjectAccess": "admin",
    "volume_extension:volume_type_access:removeProjectAccess": "admin",
    "volume_extension:types_extra_specs:create": "admin",
    "volume_extension:types_extra_specs:delete": "admin",
    "volume_extension:volume_admin_actions:reset_status": "admin",
    "volume_extension:volume_admin_actions:force_delete": "admin",
    "volume_extension:volume_admin_actions:force_detach": "admin",
    "volume_extension:snapshot_admin_actions:reset_status": "admin",
    "volume_extension:snapshot_admin_actions:force_delete": "admin",
    "volume_extension:quotas:update": "admin",
    "volume_extension:quotas:delete": "admin",
    "volume:get_all_tenants": "admin",
    "volume_extension:backup_admin_actions:reset_status": "admin",
    "volume_extension:backup_admin_actions:force_delete": "admin",
    "backup:backup-export": "admin",
    "backup:backup-import": "admin",
    "volume_extension:services:update": "admin",
    "volume_extension:services:index": "admin",
    "volume_extension:capabilities": "admin",
    "scheduler_extension:scheduler_stats:get_pools": "admin",
    "volume_extension:hosts": "admin",
    "volume_extension:quota_classes": "admin",
    "group:group_types:create": "admin",
    "group:group_types:update": "admin",
    "group:group_types:delete": "admin",
    "group:group_types_specs": "admin",
    "group:reset_status": "admin",
    "group:reset_group_snapshot_status": "admin",
    "volume_extension:qos_specs_manage:get": "admin",
    "volume_extension:qos_specs_manage:create": "admin",
    "volume_extension:qos_specs_manage:update": "admin",
    "volume_extension:qos_specs_manage:delete": "admin",
    "volume_extension:volume_type_encryption:get": "admin",
    "volume_extension:volume_type_encryption:create": "admin",
    "volume_extension:volume_type_encryption:update": "admin",
    "volume_extension:volume_type_encryption:delete": "admin",
    "image:deactivate": "member",
    # Network
    "network:create_shared": "admin",
    "network:create_external": "admin",
    "network:modify": "owner",
    # a port's binding:host_id (Neutron: create_port/update_port:binding:host_id, admin only)
    "network:port:binding": "admin",
    # external_gateway_info's enable_snat and external_fixed_ips (Neutron: admin only).
    "network:router:gateway_details": "admin",
    "network:is_default": "admin",
    "network:get_quota": "owner",
    "network:list_quotas": "admin",
    "network:update_quota": "admin",
    "network:delete_quota": "admin",
    "network:ip_availability": "admin",
    "network:default_security_group_rules:modify": "admin",
    "placement:admin": "admin",
}


def authorize(caller: Caller, action: str, target_project: str | None = None) -> None:
    """Return if `caller` may perform `action` on `target_project`'s resource; else 403."""
    rule = RULES.get(action)
    if rule is None:
        raise KeyError(f"no policy rule for {action}")
    auth = caller.auth
    service = action.split(":", 1)[0]
    if rule == "any" or auth.is_admin:
        return
    if rule == "admin":
        raise errors.Forbidden(forbidden_message(service, action))
    if rule == "member":
        if auth.project_id is None:
            raise errors.Forbidden(forbidden_message(service, action))
        return
    if rule == "owner":
        if auth.project_id is None or (target_project is not None and target_project != auth.project_id):
            raise errors.Forbidden(forbidden_message(service, action))
        return
    raise KeyError(f"unknown rule {rule} for {action}")


def forbidden_message(service: str, action: str) -> str:
    if service == "compute":
        return f"Policy doesn't allow {action.replace('compute:', 'os_compute_api:')} to be performed."
    if service == "identity":
        return "You are not authorized to perform the requested action: " + action + "."
    return f"Policy doesn't allow {action} to be performed."
