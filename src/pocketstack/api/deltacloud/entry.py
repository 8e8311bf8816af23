"""The entry point, GET /api: the API's version, driver and provider, and each collection
the cloud offers with its features (the optional parameters of its operations)."""

from __future__ import annotations

from typing import Any

from pocketstack.api.deltacloud.wire import (
    API_VERSION,
    DRIVER,
    Doc,
    authenticate,
    child,
    element,
    handler,
    link,
)
from pocketstack.api.http import Ctx
from pocketstack.api.routing import Route

# (feature, operation, parameters) per collection, as Deltacloud's features table names them.
Feature = tuple[str, str, tuple[str, ...]]
COLLECTIONS: dict[str, tuple[Feature, ...]] = {
    "realms": (),
    "hardware_profiles": (),
    "images": (("owner_id", "index", ("owner_id",)), ("image_name", "create", ("name",))),
    "instances": (
        ("user_name", "create", ("name",)),
        ("user_data", "create", ("user_data",)),
        ("authentication_key", "create", ("keyname",)),
        ("authentication_password", "create", ("password",)),
        ("firewalls", "create", ("firewalls",)),
        ("instance_count", "create", ("instance_count",)),
        ("realm_filter", "index", ("realm_id",)),
    ),
    "instance_states": (),
    "keys": (("import_key", "create", ("public_key",)),),
    "storage_volumes": (("volume_name", "create", ("name",)),
                        ("volume_description", "create", ("description",))),
    "storage_snapshots": (),
    "addresses": (),
    "firewalls": (),
}


def entry_point(ctx: Ctx) -> Doc:
    provider = ctx.cloud.settings.region
    xml = element("api", {"version": API_VERSION, "driver": DRIVER, "provider": provider})
    links: list[dict[str, Any]] = []
    for name, features in COLLECTIONS.items():
        href = link(ctx, name)
        node = child(xml, "link", {"rel": name, "href": href})
        for feature, operation, parameters in features:
            feature_node = child(node, "feature", {"name": feature, "rel": operation})
            for parameter in parameters:
                child(feature_node, "param", {"name": parameter})
        links.append({"rel": name, "href": href, "features": [
            [{"name": f, "rel": op, "params": list(ps), "constraints": {}}]
            for f, op, ps in features]})
    return Doc(xml, {"api": {"version": API_VERSION, "driver": DRIVER, "provider": provider,
                             "links": links}})


@handler(auth=False)
async def show_api(ctx: Ctx) -> Doc:
    """`?force_auth=1` checks the credentials first (401 without good ones)."""
    if ctx.query.get("force_auth"):
        await authenticate(ctx)
    return entry_point(ctx)


ROUTES = [Route("GET", "", show_api)]
