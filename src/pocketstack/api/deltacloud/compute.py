"""Deltacloud's compute collections over the compute services: realms (availability zones),
hardware profiles (flavors), images, instances (servers) and keys (key pairs)."""

from __future__ import annotations

import base64
import binascii

from pocketstack import errors
from pocketstack.api.deltacloud import views
from pocketstack.api.deltacloud.wire import Doc, element, handler, link, params, required
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route
from pocketstack.compute_states import Action
from pocketstack.services import (
    availability_zones,
    flavors,
    image_catalog,
    keypairs,
    server_actions,
    server_create,
    server_images,
    server_lifecycle,
    servers,
)
from pocketstack.services.flavors import FlavorQuery
from pocketstack.services.images import ImageQuery
from pocketstack.services.server_create import ServerRequest
from pocketstack.services.servers import ServerFilters, ServerQuery

MAX_INSTANCES = 1000
ALL_FLAVORS = FlavorQuery(is_public=None)


# --- realms -------------------------------------------------------------------------------------


@handler()
async def list_realms(ctx: Ctx) -> Doc:
    zones = await availability_zones.list_availability_zones(ctx.cloud, ctx.caller, detail=False)
    return views.collection("realms", [views.realm(ctx, z) for z in zones])


@handler()
async def show_realm(ctx: Ctx) -> Doc:
    zones = await availability_zones.list_availability_zones(ctx.cloud, ctx.caller, detail=False)
    for zone in zones:
        if zone.name == ctx.params["id"]:
            return views.single("realm", views.realm(ctx, zone))
    raise errors.NotFound(f"Realm {ctx.params['id']} could not be found.")


# --- hardware profiles --------------------------------------------------------------------------


@handler()
async def list_hardware_profiles(ctx: Ctx) -> Doc:
    rows = await flavors.list_visible(ctx.cloud, ctx.caller, ALL_FLAVORS)
    return views.collection("hardware_profiles", [views.hardware_profile(ctx, f) for f in rows])


@handler()
async def show_hardware_profile(ctx: Ctx) -> Doc:
    row = await flavors.show_flavor(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("hardware_profile", views.hardware_profile(ctx, row))


# --- images -------------------------------------------------------------------------------------


@handler()
async def list_images(ctx: Ctx) -> Doc:
    owner = ctx.query.get("owner_id")
    query = ImageQuery(equals={"owner": owner} if owner else {})
    rows = await image_catalog.list_images(ctx.cloud, ctx.caller, query, require_project=True)
    profiles = await flavors.list_visible(ctx.cloud, ctx.caller, ALL_FLAVORS)
    return views.collection("images", [views.image(ctx, r, profiles) for r in rows])


@handler()
async def show_image(ctx: Ctx) -> Doc:
    row = await image_catalog.show_image(ctx.cloud, ctx.caller, ctx.params["id"])
    profiles = await flavors.list_visible(ctx.cloud, ctx.caller, ALL_FLAVORS)
    return views.single("image", views.image(ctx, row, profiles))


@handler()
async def create_image(ctx: Ctx) -> Doc:
    """An image of an instance (`instance_id`, optional `name`)."""
    values = await params(ctx)
    server_id = required(values, "instance_id")
    name = values.get("name") or f"{server_id}-image"
    row = await server_images.create_snapshot(ctx.cloud, ctx.caller, server_id,
                                              server_images.Snapshot(name))
    href = link(ctx, "images", row.id)
    return views.single("image", views.image(ctx, row, []), 201, {"Location": href})


@handler()
async def destroy_image(ctx: Ctx) -> Doc:
    await image_catalog.delete_image(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("image"), None, 204)


# --- instances ----------------------------------------------------------------------------------


@handler()
async def list_instances(ctx: Ctx) -> Doc:
    state = ctx.query.get("state")
    realm = ctx.query.get("realm_id")
    query = ServerQuery(ServerFilters(availability_zone=realm or None), MAX_INSTANCES)
    page = await servers.list_servers(ctx.cloud, ctx.caller, query, with_addresses=True)
    items = [views.instance(ctx, s, page.addresses.get(s.id, [])) for s in page.servers]
    if state:
        items = [i for i in items if i[1]["state"] == state.upper()]
    return views.collection("instances", items)


@handler()
async def show_instance(ctx: Ctx) -> Doc:
    found = await servers.show_server(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("instance", views.instance(ctx, found.server, found.addresses))


def _user_data(text: str | None) -> str | None:
    """Deltacloud's user_data is base64 already, as Nova's is: checked, then passed on."""
    if not text:
        return None
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise errors.BadRequest("Parameter 'user_data' must be base64 encoded.") from None
    return text


def _firewalls(values: dict[str, str]) -> tuple[str, ...]:
    """`firewalls` (comma-separated) or `firewalls1`, `firewalls2`, ... (Deltacloud's array
    parameters): security group ids or names."""
    named = [v for k, v in sorted(values.items()) if k.startswith("firewalls") and
             (k == "firewalls" or k[len("firewalls"):].strip("[]").isdigit() or k == "firewalls[]")]
    found = [name.strip() for value in named for name in value.split(",") if name.strip()]
    return tuple(found) or ("default",)


def _count(values: dict[str, str]) -> int:
    text = values.get("instance_count", "1") or "1"
    if not text.isdigit() or int(text) < 1:
        raise errors.BadRequest("Parameter 'instance_count' must be a positive integer.")
    return int(text)


async def _first_profile(ctx: Ctx) -> str:
    """Without `hwp_id`, Deltacloud's OpenStack driver boots the first hardware profile."""
    first = await flavors.list_visible(ctx.cloud, ctx.caller, FlavorQuery(limit=1))
    if not first:
        raise errors.BadRequest("Parameter 'hwp_id' required: no hardware profile to default to.")
    return first[0].id


@handler()
async def create_instance(ctx: Ctx) -> Doc:
    values = await params(ctx)
    image_id = required(values, "image_id")
    flavor_id = values.get("hwp_id") or await _first_profile(ctx)
    count = _count(values)
    request = ServerRequest(
        name=values.get("name") or f"server-{image_id[:8]}", image_id=image_id,
        flavor_id=flavor_id, key_name=values.get("keyname") or None,
        user_data=_user_data(values.get("user_data")),
        availability_zone=values.get("realm_id") or None,
        security_groups=_firewalls(values), min_count=count, max_count=count,
        admin_password=values.get("password") or None)
    created = await server_create.create_servers(ctx.cloud, ctx.caller, request)
    items = [views.instance(ctx, row, [], password=created.admin_password)
             for row in created.servers]
    if len(items) > 1:
        return views.collection("instances", items, 201)
    href = link(ctx, "instances", created.servers[0].id)
    return views.single("instance", items[0], 201, {"Location": href})


async def _after_action(ctx: Ctx, server_id: str) -> Doc:
    found = await servers.show_server(ctx.cloud, ctx.caller, server_id)
    xml, json = views.instance(ctx, found.server, found.addresses)
    # Deltacloud answers an action with the instance itself (not wrapped) in JSON.
    return Doc(xml, json, 202)


async def _act(ctx: Ctx, action: Action | None) -> Doc:
    """An action the state does not allow is Deltacloud's 405 (Nova's 409)."""
    server_id = ctx.params["id"]
    try:
        if action is None:
            await server_actions.reboot(ctx.cloud, ctx.caller, server_id, hard=False)
        else:
            await server_actions.request(ctx.cloud, ctx.caller, server_id, action)
    except errors.Conflict as exc:
        raise errors.MethodNotAllowed(exc.message) from None
    return await _after_action(ctx, server_id)


@handler()
async def start_instance(ctx: Ctx) -> Doc:
    return await _act(ctx, Action.START)


@handler()
async def stop_instance(ctx: Ctx) -> Doc:
    return await _act(ctx, Action.STOP)


@handler()
async def reboot_instance(ctx: Ctx) -> Doc:
    return await _act(ctx, None)


@handler()
async def destroy_instance(ctx: Ctx) -> Doc:
    await server_lifecycle.delete_server(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("instance"), None, 204)


@handler()
async def list_instance_states(ctx: Ctx) -> Doc:
    return views.instance_states()


# --- keys ---------------------------------------------------------------------------------------


@handler()
async def list_keys(ctx: Ctx) -> Doc:
    rows = await keypairs.list_for(ctx.cloud, ctx.caller)
    return views.collection("keys", [views.key(ctx, r) for r in rows])


@handler()
async def show_key(ctx: Ctx) -> Doc:
    row = await keypairs.show_for(ctx.cloud, ctx.caller, ctx.params["id"])
    return views.single("key", views.key(ctx, row))


@handler()
async def create_key(ctx: Ctx) -> Doc:
    """A new key pair (`name`): generated, its private key shown once; or `public_key`
    imported."""
    values = await params(ctx)
    name = required(values, "name")
    created = await keypairs.create_for(ctx.cloud, ctx.caller, name,
                                        values.get("public_key") or None)
    href = link(ctx, "keys", created.row.name)
    return views.single("key", views.key(ctx, created.row, created.private_key), 201,
                        {"Location": href})


@handler()
async def destroy_key(ctx: Ctx) -> Doc:
    await keypairs.delete_for(ctx.cloud, ctx.caller, ctx.params["id"])
    return Doc(element("key"), None, 204)


ROUTES = [
    Route("GET", "/realms", list_realms),
    Route("GET", "/realms/{id}", show_realm),
    Route("GET", "/hardware_profiles", list_hardware_profiles),
    Route("GET", "/hardware_profiles/{id}", show_hardware_profile),
    Route("GET", "/images", list_images),
    Route("POST", "/images", create_image),
    Route("GET", "/images/{id}", show_image),
    Route("DELETE", "/images/{id}", destroy_image),
    Route("GET", "/instances", list_instances),
    Route("POST", "/instances", create_instance),
    Route("GET", "/instances/{id}", show_instance),
    Route("DELETE", "/instances/{id}", destroy_instance),
    Route("POST", "/instances/{id}/start", start_instance),
    Route("POST", "/instances/{id}/stop", stop_instance),
    Route("POST", "/instances/{id}/reboot", reboot_instance),
    Route("GET", "/instance_states", list_instance_states),
    Route("GET", "/keys", list_keys),
    Route("POST", "/keys", create_key),
    Route("GET", "/keys/{id}", show_key),
    Route("DELETE", "/keys/{id}", destroy_key),
]
