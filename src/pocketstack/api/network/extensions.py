"""Network API extensions: the few Neutron extensions whose attributes and resources we serve."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from pocketstack import errors
from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

# alias, name, description, updated: as Neutron describes each extension.
EXTENSIONS = [
    ("allowed-address-pairs", "Allowed Address Pairs", "Provides allowed address pairs",
     "2013-07-23T10:00:00-00:00"),
    ("availability_zone", "Availability Zone", "The availability zone extension.",
     "2015-01-01T10:00:00-00:00"),
    ("binding", "Port Binding",
     "Expose port bindings of a virtual port to external application",
     "2014-02-03T10:00:00-00:00"),
    ("external-net", "Neutron external network",
     "Adds external network attribute to network resource.", "2013-01-14T10:00:00-00:00"),
    ("ip-substring-filtering", "IP address substring filtering",
     "Provides IP address substring filtering when listing ports", "2017-11-28T09:00:00-00:00"),
    ("net-mtu", "Network MTU", "Provides MTU attribute for a network resource.",
     "2015-03-25T10:00:00-00:00"),
    ("network-ip-availability", "Network IP Availability",
     "Provides IP availability data for each network and subnet.", "2015-09-24T00:00:00-00:00"),
    ("network_availability_zone", "Network Availability Zone",
     "Availability zone support for network.", "2015-01-01T10:00:00-00:00"),
    ("pagination", "Pagination support", "Extension that indicates that pagination is enabled.",
     "2016-06-12T00:00:00-00:00"),
    ("port-security", "Port Security", "Provides port security", "2012-07-23T10:00:00-00:00"),
    ("project-id", "project_id field enabled",
     "Extension that indicates that project_id field is enabled.", "2016-09-09T09:09:09-09:09"),
    ("quotas", "Quota management support", "Expose functions for quotas management per project",
     "2012-07-29T10:00:00-00:00"),
    ("quota_details", "Quota details management support",
     "Expose functions for quotas usage statistics per project", "2017-02-10T10:00:00-00:00"),
    ("revision-if-match", "If-Match constraints based on revision_number",
     "Extension indicating that If-Match based on revision_number is supported.",
     "2016-12-11T00:00:00-00:00"),
    ("security-group", "security-group", "The security groups extension.",
     "2012-10-05T10:00:00-00:00"),
    ("security-groups-default-rules", "Default rules for security groups",
     "Configure set of security group rules used as default rules for every new security group",
     "2022-12-19T10:00:00-00:00"),
    ("sorting", "Sorting support", "Extension that indicates that sorting is enabled.",
     "2016-06-12T00:00:00-00:00"),
    ("standard-attr-description", "standard-attr-description",
     "Extension to add descriptions to standard attributes", "2016-02-10T10:00:00-00:00"),
    ("standard-attr-tag",
     "Tag support for resources with standard attribute: network, subnet, port, security_group",
     "Enables to set tag on resources with standard attribute.", "2017-01-01T00:00:00-00:00"),
    ("subnet-external-network", "Subnet belongs to an external network",
     "Informs if the subnet belongs to an external network", "2024-02-05T18:00:00-00:00"),
    ("tag-creation", "Tag creation extension", "Allow to create multiple tags for a resource",
     "2024-23-07T10:00:00-00:00"),
    ("standard-attr-revisions", "Resource revision numbers",
     "This extension will display the revision number of neutron resources.",
     "2016-04-11T10:00:00-00:00"),
    ("standard-attr-timestamp", "Resource timestamps",
     "Adds created_at and updated_at fields to all Neutron resources that have Neutron "
     "standard attributes.", "2016-09-12T10:00:00-00:00"),
]

# The L3 extensions: routers with gateways and extra routes, and auto-allocated topologies.
L3_EXTENSIONS = [
    ("router", "Neutron L3 Router",
     "Router abstraction for basic L3 forwarding between L2 Neutron networks and access to "
     "external networks via a NAT gateway.", "2012-07-20T10:00:00-00:00"),
    ("ext-gw-mode", "Neutron L3 Configurable external gateway mode",
     "Extension of the router abstraction for specifying whether SNAT should occur on the "
     "external gateway", "2013-03-28T10:00:00-00:00"),
    ("extraroute", "Neutron Extra Route", "Extra routes configuration for L3 router",
     "2013-02-01T10:00:00-00:00"),
    ("extraroute-atomic", "Atomically add/remove extra routes",
     "Edit extra routes of a router on server side by atomically adding/removing extra routes",
     "2019-07-10T00:00:00+00:00"),
    ("auto-allocated-topology", "Auto Allocated Topology Services",
     "Auto Allocated Topology Services.", "2016-01-01T00:00:00-00:00"),
]
SERVED = sorted(EXTENSIONS + L3_EXTENSIONS)


def extension_body(alias: str, name: str, description: str, updated: str) -> dict[str, Any]:
    return {"alias": alias, "name": name, "description": description, "updated": updated, "links": []}


async def list_extensions(ctx: Ctx) -> Response:
    return json_response({"extensions": [extension_body(*ext) for ext in SERVED]})


async def show_extension(ctx: Ctx) -> Response:
    alias = ctx.params["alias"]
    for ext in SERVED:
        if ext[0] == alias:
            return json_response({"extension": extension_body(*ext)})
    raise errors.NotFound(f"Extension with alias {alias} does not exist")


ROUTES: list[Route] = [
    Route("GET", "/v2.0/extensions", list_extensions),
    Route("GET", "/v2.0/extensions/{alias}", show_extension),
]
