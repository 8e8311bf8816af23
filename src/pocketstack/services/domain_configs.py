"""Domain-specific configuration (/v3/domains/{id}/config), admins only: per domain, values of
Keystone's whitelisted [identity] and [ldap] options (ldap.password is kept but never shown).
The identity back end stays SQL whatever a domain's configuration says; the API keeps and
validates it as Keystone does, for the tools that manage it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from pocketstack import errors
from pocketstack.db.models import DomainConfigRow
from pocketstack.services import identity
from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.identity_access import require_admin

# Keystone's whitelisted options with their defaults.
DEFAULTS: dict[str, dict[str, Any]] = {
    "identity": {"driver": "sql", "list_limit": None},
    "ldap": {
        "url": "ldap://localhost", "user": None, "suffix": "cn=example,cn=com",
        "query_scope": "one", "page_size": 0, "alias_dereferencing": "default",
        "debug_level": None, "chase_referrals": None, "user_tree_dn": None,
        "user_filter": None, "user_objectclass": "inetOrgPerson", "user_id_attribute": "cn",
        "user_name_attribute": "sn", "user_mail_attribute": "mail",
        "user_description_attribute": "description", "user_pass_attribute": "userPassword",
        "user_enabled_attribute": "enabled", "user_enabled_invert": False,
        "user_enabled_mask": 0, "user_enabled_default": "True",
        "user_attribute_ignore": ["default_project_id"],
        "user_default_project_id_attribute": None, "user_enabled_emulation": False,
        "user_enabled_emulation_dn": None, "user_enabled_emulation_use_group_config": False,
        "user_additional_attribute_mapping": [], "group_tree_dn": None, "group_filter": None,
        "group_objectclass": "groupOfNames", "group_id_attribute": "cn",
        "group_name_attribute": "ou", "group_members_are_ids": False,
        "group_member_attribute": "member", "group_desc_attribute": "description",
        "group_attribute_ignore": [], "group_additional_attribute_mapping": [],
        "tls_cacertfile": None, "tls_cacertdir": None, "use_tls": False,
        "tls_req_cert": "demand", "use_pool": True, "pool_size": 10, "pool_retry_max": 3,
        "pool_retry_delay": 0.1, "pool_connection_timeout": -1,
        "pool_connection_lifetime": 600, "use_auth_pool": True, "auth_pool_size": 100,
        "auth_pool_connection_lifetime": 60,
    },
}
SENSITIVE: dict[str, tuple[str, ...]] = {"identity": (), "ldap": ("password",)}


def _invalid(reason: str) -> errors.Forbidden:
    return errors.Forbidden(f"Invalid domain specific configuration: {reason}.")


def check_option(group: str, option: str | None = None) -> None:
    """403 (Keystone's InvalidDomainConfig) for a group or option it does not support."""
    if group not in DEFAULTS:
        raise _invalid(f"Group {group} is not supported for domain specific configurations")
    if option is not None and option not in DEFAULTS[group] and option not in SENSITIVE[group]:
        raise _invalid(f"Option {option} in group {group} is not supported for domain specific "
                       "configurations")


def check_config(config: dict[str, Any]) -> None:
    if not config:
        raise _invalid("No options specified")
    for group, options in config.items():
        if not options or not isinstance(options, dict):
            raise _invalid(f"The value of group {group} specified in the config should be a "
                           "dictionary of options")
        for option in options:
            check_option(group, option)


def shown(config: dict[str, Any]) -> dict[str, Any]:
    """The configuration without its sensitive options."""
    return {group: {k: v for k, v in options.items() if k not in SENSITIVE.get(group, ())}
            for group, options in config.items()}


def default_config(group: str | None = None, option: str | None = None) -> dict[str, Any]:
    if group is None:
        return {g: dict(options) for g, options in DEFAULTS.items()}
    check_option(group, option)
    if option is None:
        return {group: dict(DEFAULTS[group])}
    if option not in DEFAULTS[group]:
        raise _invalid(f"Reading the default for option {option} in group {group} is not "
                       "supported")
    return {option: DEFAULTS[group][option]}


def _not_found(what: str, domain_id: str) -> errors.NotFound:
    return errors.NotFound(f"Could not find {what} in domain configuration for domain "
                           f"{domain_id}.")


async def _row(s: AsyncSession, domain_id: str) -> DomainConfigRow:
    await identity.get_domain(s, domain_id)
    row = await s.get(DomainConfigRow, domain_id)
    if row is None:
        raise _not_found("config", domain_id)
    return row


async def create_config(cloud: Cloud, caller: Caller, domain_id: str,
                        config: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """PUT: the domain's whole configuration (replaced); True when it is new."""
    require_admin(caller)
    check_config(config)
    async with cloud.db.session() as s:
        await identity.get_domain(s, domain_id)
        row = await s.get(DomainConfigRow, domain_id)
        created = row is None
        if row is None:
            row = DomainConfigRow(domain_id=domain_id, config=config)
            s.add(row)
        else:
            row.config = config
        await s.flush()
        return shown(config), created


async def show_config(cloud: Cloud, caller: Caller, domain_id: str, group: str | None = None,
                      option: str | None = None) -> dict[str, Any]:
    require_admin(caller)
    if group is not None:
        check_option(group, option)
    async with cloud.db.reader() as s:
        config = shown((await _row(s, domain_id)).config or {})
    if group is None:
        return config
    if group not in config:
        raise _not_found(group, domain_id)
    if option is None:
        return {group: config[group]}
    if option not in config[group]:
        raise _not_found(option, domain_id)
    return {option: config[group][option]}


async def update_config(cloud: Cloud, caller: Caller, domain_id: str, config: dict[str, Any],
                        group: str | None = None, option: str | None = None) -> dict[str, Any]:
    """PATCH: merge options into the configuration (of one group, or one option's value)."""
    require_admin(caller)
    if option is not None and group is not None:
        if set(config) != {option}:
            raise errors.BadRequest(f"Invalid input for field 'config': only option {option} "
                                    "may be given.")
        config = {group: config}
    elif group is not None and set(config) != {group}:
        raise _invalid(f"Trying to update group {group}. The group may only be given in the "
                       "request body")
    check_config(config)
    async with cloud.db.session() as s:
        row = await _row(s, domain_id)
        merged = {g: dict(o) for g, o in (row.config or {}).items()}
        if group is not None and group not in merged:
            raise _not_found(group, domain_id)
        if option is not None and group is not None and option not in merged[group]:
            raise _not_found(option, domain_id)
        for g, options in config.items():
            merged.setdefault(g, {}).update(options)
        row.config = merged
        await s.flush()
    result = shown(merged)
    return result


async def delete_config(cloud: Cloud, caller: Caller, domain_id: str, group: str | None = None,
                        option: str | None = None) -> None:
    require_admin(caller)
    if group is not None:
        check_option(group, option)
    async with cloud.db.session() as s:
        row = await _row(s, domain_id)
        if group is None:
            await s.delete(row)
            await s.flush()
            return
        merged = {g: dict(o) for g, o in (row.config or {}).items()}
        if group not in merged:
            raise _not_found(group, domain_id)
        if option is None:
            del merged[group]
        else:
            if option not in merged[group]:
                raise _not_found(option, domain_id)
            del merged[group][option]
            if not merged[group]:
                del merged[group]
        row.config = merged
        await s.flush()
