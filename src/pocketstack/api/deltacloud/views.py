"""Deltacloud's views of the cloud's records: each resource as its XML element (the server's
`views/*/show.xml.haml`) and its JSON object (the models' `to_hash`), built side by side so
that the two formats always say the same thing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from xml.etree import ElementTree as ET

from pocketstack.api.deltacloud.wire import Doc, child, element, link
from pocketstack.api.http import Ctx
from pocketstack.compute_states import public_status
from pocketstack.services.availability_zones import Zone
from pocketstack.services.networks import Address
from pocketstack.services.records import (
    FlavorRow,
    ImageRow,
    KeypairRow,
    SecurityGroupRow,
    SecurityGroupRuleRow,
)
from pocketstack.services.volumes import Volume

Item = tuple[ET.Element, dict[str, Any]]
ARCHITECTURE = "x86_64"


def stamp(value: datetime | str | None) -> str | None:
    """A UTC timestamp as Deltacloud shows one: 2011-07-22T11:29:48Z."""
    if value is None:
        return None
    text = value.isoformat(sep="T") if isinstance(value, datetime) else str(value).replace(" ", "T")
    return text.split(".")[0].split("+")[0] + "Z"


def collection(tag: str, items: Sequence[Item], status: int = 200) -> Doc:
    return Doc(element(tag, children=[x for x, _ in items]), {tag: [j for _, j in items]}, status)


def single(tag: str, item: Item, status: int = 200, headers: dict[str, str] | None = None) -> Doc:
    return Doc(item[0], {tag: item[1]}, status, headers or {})


def ref(ctx: Ctx, collection_name: str, rel: str, item_id: str) -> dict[str, str]:
    return {"id": item_id, "href": link(ctx, collection_name, item_id), "rel": rel}


# --- realms and hardware profiles -----------------------------------------------------------


def realm(ctx: Ctx, zone: Zone) -> Item:
    state = "AVAILABLE" if zone.available else "UNAVAILABLE"
    href = link(ctx, "realms", zone.name)
    xml = element("realm", {"href": href, "id": zone.name}, children=[
        element("name", text=zone.name), element("state", text=state)])
    return xml, {"id": zone.name, "href": href, "name": zone.name, "state": state, "limit": ""}


HWP_UNITS = {"cpu": "count", "memory": "MB", "storage": "GB", "architecture": "label"}


def hardware_profile(ctx: Ctx, flavor: FlavorRow) -> Item:
    values: dict[str, Any] = {"architecture": ARCHITECTURE, "memory": flavor.ram,
                              "storage": flavor.disk, "cpu": flavor.vcpus}
    href = link(ctx, "hardware_profiles", flavor.id)
    xml = element("hardware_profile", {"href": href, "id": flavor.id}, children=[
        element("id", text=flavor.id), element("name", text=flavor.name)])
    for name, value in values.items():
        child(xml, "property", {"name": name, "kind": "fixed", "unit": HWP_UNITS[name],
                                "value": value})
    return xml, {"id": flavor.id, "href": href, "name": flavor.name,
                 "properties": {name: str(value) for name, value in values.items()}}


# --- images -----------------------------------------------------------------------------------


def fits(image: ImageRow, flavor: FlavorRow) -> bool:
    """A flavor an instance of the image may boot with (Nova's disk and memory checks)."""
    disk_ok = not flavor.disk or (image.min_disk <= flavor.disk
                                  and (image.size or 0) <= flavor.disk * 1024**3)
    return disk_ok and image.min_ram <= flavor.ram


def image(ctx: Ctx, row: ImageRow, flavors: Sequence[FlavorRow]) -> Item:
    href = link(ctx, "images", row.id)
    name = row.name or ""
    architecture = str(row.properties.get("architecture") or ARCHITECTURE)
    state = row.status.upper()
    profiles = [f for f in flavors if fits(row, f)]
    xml = element("image", {"href": href, "id": row.id}, children=[
        element("name", text=name), element("description", text=name),
        element("owner_id", text=row.owner or ""), element("architecture", text=architecture),
        element("state", text=state), element("creation_time", text=stamp(row.created_at))])
    listed = child(xml, "hardware_profiles")
    for f in profiles:
        child(listed, "hardware_profile", {"href": link(ctx, "hardware_profiles", f.id),
                                           "id": f.id, "rel": "hardware_profile"})
    child(xml, "root_type", text="transient")
    actions = child(xml, "actions")
    create = f"{link(ctx, 'instances')}?image_id={row.id}"
    child(actions, "link", {"rel": "create_instance", "method": "post", "href": create})
    child(actions, "link", {"rel": "destroy_image", "method": "delete", "href": href})
    return xml, {"id": row.id, "href": href, "name": name, "description": name,
                 "owner": row.owner or "", "architecture": architecture, "state": state,
                 "root_type": "transient", "creation_time": stamp(row.created_at),
                 "hardware_profiles": [ref(ctx, "hardware_profiles", "hardware_profile", f.id)
                                       for f in profiles]}


# --- instances --------------------------------------------------------------------------------

# Deltacloud's state for each public server status (the instance state machine: start,
# pending, running, shutting_down, stopped, finish).
STATES = {"BUILD": "PENDING", "REBUILD": "PENDING", "REBOOT": "PENDING", "HARD_REBOOT": "PENDING",
          "RESIZE": "PENDING", "VERIFY_RESIZE": "PENDING", "REVERT_RESIZE": "PENDING",
          "MIGRATING": "PENDING", "PASSWORD": "RUNNING", "ACTIVE": "RUNNING", "RESCUE": "RUNNING",
          "SHUTOFF": "STOPPED", "PAUSED": "STOPPED", "SUSPENDED": "STOPPED",
          "SHELVED": "STOPPED", "SHELVED_OFFLOADED": "STOPPED",
          "DELETED": "FINISH", "SOFT_DELETED": "FINISH", "ERROR": "ERROR"}
# What a client may do in each state (a link each; destroy is a DELETE).
ACTIONS = {"PENDING": ("destroy",), "RUNNING": ("reboot", "stop", "destroy"),
           "STOPPED": ("start", "destroy"), "ERROR": ("destroy",), "SHUTTING_DOWN": (),
           "FINISH": (), "UNKNOWN": ("destroy",)}
# A stop shows RUNNING until the guest is off, as Deltacloud says a provider may.
STOPPING_TASKS = frozenset({"deleting", "soft-deleting"})
# The instance state machine (GET /api/instance_states): each state's transitions as
# (to, action), action None for one that happens by itself.
MACHINE: dict[str, tuple[tuple[str, str | None], ...]] = {
    "start": (("pending", "create"),),
    "pending": (("running", None), ("shutting_down", "destroy")),
    "running": (("running", "reboot"), ("stopped", "stop"), ("shutting_down", "destroy")),
    "stopped": (("running", "start"), ("shutting_down", "destroy")),
    "shutting_down": (("finish", None),),
    "finish": (),
}


def instance_state(vm_state: str, task_state: str | None) -> str:
    if task_state in STOPPING_TASKS:
        return "SHUTTING_DOWN"
    return STATES.get(public_status(vm_state, task_state), "UNKNOWN")


def instance_states() -> Doc:
    xml = element("states")
    json = []
    for name, transitions in MACHINE.items():
        node = child(xml, "state", {"name": name})
        shown = []
        for to, action in transitions:
            attrs = {"to": to, "auto": "true"} if action is None else {"to": to, "action": action}
            child(node, "transition", attrs)
            shown.append(attrs)
        json.append({"name": name, "transitions": shown})
    return Doc(xml, json)


def action_method(action: str) -> str:
    return "delete" if action == "destroy" else "post"


def action_href(ctx: Ctx, server_id: str, action: str) -> str:
    base = link(ctx, "instances", server_id)
    return base if action == "destroy" else f"{base}/{action}"


def _addresses(parent: ET.Element, tag: str, found: Sequence[Address]) -> list[dict[str, Any]]:
    listed = child(parent, tag)
    shown = []
    for a in found:
        kind = "ipv6" if a.version == 6 else "ipv4"
        child(listed, "address", {"type": kind}, a.addr)
        shown.append({"address": a.addr, "type": kind})
    return shown


def instance(ctx: Ctx, server: Any, addresses: Sequence[Address], *,
             password: str | None = None) -> Item:
    """A server as an instance (`server`: a row or the servers service's view columns)."""
    href = link(ctx, "instances", server.id)
    state = instance_state(server.vm_state, server.task_state)
    actions = ACTIONS.get(state, ())
    realm_id = server.availability_zone or ctx.cloud.settings.availability_zone
    xml = element("instance", {"href": href, "id": server.id}, children=[
        element("name", text=server.name), element("owner_id", text=server.user_id),
        element("image", {"href": link(ctx, "images", server.image_id), "id": server.image_id}),
        element("realm", {"href": link(ctx, "realms", realm_id), "id": realm_id}),
        element("state", text=state),
        element("hardware_profile", {"id": server.flavor_id,
                                     "href": link(ctx, "hardware_profiles", server.flavor_id)})])
    links = child(xml, "actions")
    shown_actions = []
    for a in actions:
        child(links, "link", {"rel": a, "method": action_method(a),
                              "href": action_href(ctx, server.id, a)})
        shown_actions.append({"href": action_href(ctx, server.id, a), "rel": a,
                              "method": action_method(a)})
    if state in ("RUNNING", "STOPPED"):
        create_image = f"{link(ctx, 'images')}?instance_id={server.id}"
        child(links, "link", {"rel": "create_image", "method": "post", "href": create_image})
        shown_actions.append({"href": create_image, "rel": "create_image", "method": "post"})
    child(xml, "launch_time", text=stamp(server.created_at))
    public = _addresses(xml, "public_addresses", [a for a in addresses if a.type == "floating"])
    private = _addresses(xml, "private_addresses", [a for a in addresses if a.type != "floating"])
    authentication = child(xml, "authentication", {"type": "key"})
    shown_auth: dict[str, Any] = {}
    if server.key_name:
        login = child(authentication, "login")
        child(login, "keyname", text=server.key_name)
        shown_auth["keyname"] = server.key_name
    if password:
        login = child(authentication, "login")
        child(login, "username", text="root")
        child(login, "password", text=password)
        shown_auth.update(user="root", password=password)
    json: dict[str, Any] = {
        "id": server.id, "href": href, "name": server.name, "state": state,
        "owner": server.user_id,
        "image": ref(ctx, "images", "image", server.image_id),
        "realm": ref(ctx, "realms", "realm", realm_id),
        "actions": shown_actions,
        "hardware_profile": {**ref(ctx, "hardware_profiles", "hardware_profile", server.flavor_id),
                             "properties": {}},
        "public_addresses": public, "private_addresses": private,
        "create_time": stamp(server.created_at), "authentication_type": "key",
    }
    if shown_auth:
        json["authentication"] = shown_auth
    return xml, json


# --- keys ---------------------------------------------------------------------------------------


def key(ctx: Ctx, row: KeypairRow, private_key: str | None = None) -> Item:
    href = link(ctx, "keys", row.name)
    xml = element("key", {"href": href, "id": row.name, "type": "key"}, children=[
        element("name", text=row.name)])
    actions = child(xml, "actions")
    child(actions, "link", {"rel": "destroy", "method": "delete", "href": href})
    child(xml, "fingerprint", text=row.fingerprint)
    if private_key:
        child(xml, "pem", text=private_key)
    child(xml, "state", text="AVAILABLE")
    json: dict[str, Any] = {"id": row.name, "href": href, "credential_type": "key",
                            "username": None, "password": None, "state": "AVAILABLE",
                            "fingerprint": row.fingerprint}
    if private_key:
        json["pem_rsa_key"] = private_key
    return xml, json


# --- storage ------------------------------------------------------------------------------------


def volume_state(status: str) -> str:
    return {"available": "AVAILABLE", "in-use": "IN-USE", "creating": "CREATING",
            "deleting": "DELETING", "error": "ERROR"}.get(status, status.upper())


def storage_volume(ctx: Ctx, volume: Volume) -> Item:
    row = volume.row
    href = link(ctx, "storage_volumes", row.id)
    state = volume_state(row.status)
    name = row.name or row.id
    mounted = [a for a in volume.attachments if a.server_id is not None and a.status == "attached"]
    device = mounted[0].device if mounted else None
    xml = element("storage_volume", {"href": href, "id": row.id}, children=[
        element("created", text=stamp(row.created_at)),
        element("capacity", {"unit": "GB"}, row.size),
        element("name", text=name),
        *([element("device", text=device)] if device else []),
        element("realm", {"id": row.availability_zone,
                          "href": link(ctx, "realms", row.availability_zone)}),
        element("realm_id", text=row.availability_zone),
        element("state", text=state)])
    instance: dict[str, Any] = {}
    if mounted:
        server_id = str(mounted[0].server_id)
        mount = child(xml, "mount")
        child(mount, "instance", {"href": link(ctx, "instances", server_id), "id": server_id})
        if device:
            child(mount, "device", {"name": device})
        instance = ref(ctx, "instances", "instance", server_id)
    actions = child(xml, "actions")
    child(actions, "link", {"rel": "destroy", "method": "delete", "href": href})
    verb = "detach" if mounted else "attach"
    child(actions, "link", {"rel": verb, "method": "post", "href": f"{href}/{verb}"})
    return xml, {"id": row.id, "href": href, "name": name, "description": row.description,
                 "state": state, "created": stamp(row.created_at),
                 "realm": ref(ctx, "realms", "realm", row.availability_zone),
                 "device": device, "kind": volume.type_name, "capacity": str(row.size),
                 "actions": [{"href": href, "rel": "destroy"},
                             {"href": f"{href}/{verb}", "rel": verb}], "instance": instance}


def storage_snapshot(ctx: Ctx, row: Any) -> Item:
    href = link(ctx, "storage_snapshots", row.id)
    state = "COMPLETED" if row.status == "available" else volume_state(row.status)
    xml = element("storage_snapshot", {"href": href, "id": row.id}, children=[
        element("name", text=row.name or row.id),
        element("created", text=stamp(row.created_at)),
        element("storage_volume", {"href": link(ctx, "storage_volumes", row.volume_id),
                                   "id": row.volume_id})])
    return xml, {"id": row.id, "href": href, "state": state,
                 "storage_volume": ref(ctx, "storage_volumes", "storage_volume", row.volume_id),
                 "created": stamp(row.created_at)}


# --- addresses and firewalls ------------------------------------------------------------------


def address(ctx: Ctx, ip: str, instance_id: str | None) -> Item:
    href = link(ctx, "addresses", ip)
    xml = element("address", {"href": href, "id": ip}, children=[element("ip", text=ip)])
    actions = child(xml, "actions")
    child(actions, "link", {"rel": "destroy", "method": "delete", "href": href})
    if instance_id:
        child(actions, "link", {"rel": "disassociate", "method": "post",
                                "href": f"{href}/disassociate"})
        child(xml, "instance", {"href": link(ctx, "instances", instance_id), "id": instance_id})
    else:
        child(actions, "link", {"rel": "associate", "method": "post",
                                "href": f"{href}/associate"})
    json: dict[str, Any] = {"id": ip, "href": href, "associated": instance_id is not None}
    if instance_id:
        json["instance_id"] = instance_id
    return xml, json


def _sources(rule: SecurityGroupRuleRow, groups: dict[str, SecurityGroupRow],
             owner: str) -> list[dict[str, str]]:
    if rule.remote_group_id:
        source = groups.get(rule.remote_group_id)
        return [{"type": "group", "name": source.name if source else rule.remote_group_id,
                 "owner": owner}]
    prefix = rule.remote_ip_prefix or ("::/0" if rule.ethertype == "IPv6" else "0.0.0.0/0")
    network, _, length = prefix.partition("/")
    return [{"type": "address", "family": rule.ethertype.lower(), "address": network,
             "prefix": length}]


def firewall(ctx: Ctx, group: SecurityGroupRow, rules: Sequence[SecurityGroupRuleRow],
             groups: dict[str, SecurityGroupRow]) -> Item:
    href = link(ctx, "firewalls", group.id)
    xml = element("firewall", {"href": href, "id": group.id})
    actions = child(xml, "actions")
    child(actions, "link", {"rel": "destroy", "href": href, "method": "delete"})
    child(actions, "link", {"rel": "update", "href": f"{href}/rules", "method": "post"})
    child(xml, "name", text=group.name)
    child(xml, "description", text=group.description)
    child(xml, "owner_id", text=group.project_id)
    listed = child(xml, "rules")
    shown = []
    for rule in rules:
        if rule.direction != "ingress":
            continue
        rule_href = f"{href}/{rule.id}"
        node = child(listed, "rule", {"href": rule_href, "id": rule.id})
        rule_actions = child(node, "actions")
        child(rule_actions, "link", {"rel": "destroy", "href": rule_href, "method": "delete"})
        fields = {"allow_protocol": rule.protocol or "any",
                  "port_from": "" if rule.port_range_min is None else str(rule.port_range_min),
                  "port_to": "" if rule.port_range_max is None else str(rule.port_range_max),
                  "direction": rule.direction}
        for name, value in fields.items():
            child(node, name, text=value)
        sources = _sources(rule, groups, group.project_id)
        listed_sources = child(node, "sources")
        for source in sources:
            child(listed_sources, "source", source)
        shown.append({"id": rule.id, **fields, "sources": sources})
    return xml, {"id": group.id, "href": href, "name": group.name,
                 "description": group.description, "owner_id": group.project_id,
                 "rules": shown}
