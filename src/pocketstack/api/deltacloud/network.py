"""Deltacloud's addresses (floating IPs, by address) and firewalls (security groups and their
ingress rules) over the compute API's network services."""

from __future__ import annotations

from pocketstack.api.deltacloud import views
from pocketstack.api.deltacloud.wire import Doc, element, handler, link, params, required
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route
from pocketstack.services import network_proxies, security_group_proxy, server_networking
from pocketstack.services.network_proxies import NovaFloatingIp
from pocketstack.services.security_group_proxy import NovaGroup, RuleRequest


def _address(ctx: Ctx, item: NovaFloatingIp) -> views.Item:
    return views.address(ctx, item.floating_ip.floating_ip_address, item.instance_id)


def _firewall(ctx: Ctx, item: NovaGroup) -> views.Item:
    return views.firewall(ctx, item.group, item.rules, item.sources)


# --- addresses ----------------------------------------------------------------------------------


@handler()
async def list_addresses(ctx: Ctx) -> Doc:
    items = await network_proxies.list_floating_ips(ctx.cloud, ctx.caller)
    return views.collection("addresses", [_address(ctx, i) for i in items])


@handler()
async def show_address(ctx: Ctx) -> Doc:
    item = await network_proxies.show_floating_ip_by_address(ctx.cloud, ctx.caller,
                                                             ctx.params["id"])
    return views.single("address", _address(ctx, item))


@handler()
async def create_address(ctx: Ctx) -> Doc:
    item = await network_proxies.create_floating_ip(ctx.cloud, ctx.caller, None)
    href = link(ctx, "addresses", item.floating_ip.floating_ip_address)
    return views.single("address", _address(ctx, item), 201, {"Location": href})


@handler()
async def destroy_address(ctx: Ctx) -> Doc:
    await network_proxies.delete_floating_ip_by_address(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("address"), None, 204)


@handler()
async def associate_address(ctx: Ctx) -> Doc:
    """Point the address at `instance_id` (its first fixed address)."""
    server_id = required(await params(ctx), "instance_id")
    address = ctx.params["id"]
    await server_networking.add_server_floating_ip(ctx.cloud, ctx.caller, server_id, address,
                                                   None)
    return views.single("address", views.address(ctx, address, server_id), 202)


@handler()
async def disassociate_address(ctx: Ctx) -> Doc:
    item = await network_proxies.disassociate_floating_ip(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("address", _address(ctx, item), 202)


# --- firewalls ----------------------------------------------------------------------------------


@handler()
async def list_firewalls(ctx: Ctx) -> Doc:
    items = await security_group_proxy.list_groups(ctx.cloud, ctx.caller, all_tenants=False)
    return views.collection("firewalls", [_firewall(ctx, i) for i in items])


@handler()
async def show_firewall(ctx: Ctx) -> Doc:
    item = await security_group_proxy.show_group(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("firewall", _firewall(ctx, item))


@handler()
async def create_firewall(ctx: Ctx) -> Doc:
    values = await params(ctx)
    name = required(values, "name")
    item = await security_group_proxy.create_group(
        ctx.cloud, ctx.caller, name=name, description=values.get("description") or name)
    href = link(ctx, "firewalls", item.group.id)
    return views.single("firewall", _firewall(ctx, item), 201, {"Location": href})


@handler()
async def destroy_firewall(ctx: Ctx) -> Doc:
    await security_group_proxy.delete_group(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("firewall"), None, 204)


def _rule_requests(group_id: str, values: dict[str, str]) -> list[RuleRequest]:
    """Deltacloud's rule: `protocol`, `port_from`, `port_to` and its sources, `ip_address1`,
    `ip_address2`, ... (CIDRs) and `group1`, ... (firewall ids); one rule per source here."""
    protocol = required(values, "protocol")
    low, high = values.get("port_from") or None, values.get("port_to") or None
    cidrs = [v for k, v in sorted(values.items()) if k.startswith("ip_address") and v]
    sources = [v for k, v in sorted(values.items())
               if k.startswith("group") and k[len("group"):].isdigit() and v]
    requests = [RuleRequest(group_id, protocol, low, high, cidr=c) for c in cidrs]
    requests += [RuleRequest(group_id, protocol, low, high, group_id=g) for g in sources]
    return requests or [RuleRequest(group_id, protocol, low, high)]


@handler()
async def create_firewall_rule(ctx: Ctx) -> Doc:
    group_id = ctx.params["id"]
    requests = _rule_requests(group_id, await params(ctx))
    item = await security_group_proxy.create_rules(ctx.cloud, ctx.caller, group_id, requests)
    return views.single("firewall", _firewall(ctx, item), 201)


@handler()
async def destroy_firewall_rule(ctx: Ctx) -> Doc:
    await security_group_proxy.delete_rule(ctx.cloud, ctx.caller, ctx.params["rule_id"])
    return Doc(element("rule"), None, 204)


ROUTES = [
    Route("GET", "/addresses", list_addresses),
    Route("POST", "/addresses", create_address),
    Route("GET", "/addresses/{id}", show_address),
    Route("DELETE", "/addresses/{id}", destroy_address),
    Route("POST", "/addresses/{id}/associate", associate_address),
    Route("POST", "/addresses/{id}/disassociate", disassociate_address),
    Route("GET", "/firewalls", list_firewalls),
    Route("POST", "/firewalls", create_firewall),
    Route("GET", "/firewalls/{id}", show_firewall),
    Route("DELETE", "/firewalls/{id}", destroy_firewall),
    Route("POST", "/firewalls/{id}/rules", create_firewall_rule),
    Route("DELETE", "/firewalls/{id}/{rule_id}", destroy_firewall_rule),
]
