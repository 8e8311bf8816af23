"""Port interfaces (os-interface: 2.49 tag on attach, 2.70 tag in views), volume attachments
without a block storage service (2.20, 2.49, 2.75, 2.79, 2.85, 2.101) and server shares
without a Shared File Systems service (2.97), against Nova's api_samples key sets and
messages (in-process cloud)."""

from __future__ import annotations

from tests.api import events_cloud
from tests.api.events_cloud import Local, message

# The shared fixtures: every version served, and the in-process cloud.
cloud = events_cloud.cloud

# doc/api_samples/os-attach-interfaces/attach-interfaces-show-resp.json (2.1; 2.70 adds tag).
INTERFACE_KEYS = {"fixed_ips", "mac_addr", "net_id", "port_id", "port_state"}
VOLUME_ID = "a26887c6-c47b-4654-abb5-dfadf7d3f803"
SHARE_ID = "e8debdc0-447a-4376-a10a-4cd9122d7986"


async def test_interfaces_attach_show_list_detach(cloud: Local) -> None:
    network_id, subnet_id = await cloud.network()
    server_id = await cloud.boot(networks=[{"uuid": network_id}])
    base = f"/servers/{server_id}/os-interface"
    (boot,) = (await cloud.get(base, "2.1")).json()["interfaceAttachments"]
    assert set(boot) == INTERFACE_KEYS and boot["net_id"] == network_id
    assert boot["port_state"] == "ACTIVE" and boot["fixed_ips"][0]["subnet_id"] == subnet_id
    (tagged,) = (await cloud.get(base, "2.70")).json()["interfaceAttachments"]
    assert set(tagged) == INTERFACE_KEYS | {"tag"} and tagged["tag"] is None
    # A tag is taken from 2.49 and shown from 2.70.
    early = await cloud.send("POST", base, "2.48", {"interfaceAttachment": {
        "net_id": network_id, "tag": "nic2"}})
    assert message(early) == ("Invalid input for field/attribute interfaceAttachment. Value: "
                              f"{{'net_id': '{network_id}', 'tag': 'nic2'}}. Additional "
                              "properties are not allowed ('tag' was unexpected)")
    made = await cloud.send("POST", base, "2.49", {"interfaceAttachment": {
        "net_id": network_id, "fixed_ips": [{"ip_address": "10.20.0.50"}], "tag": "nic2"}})
    assert made.status_code == 200, made.text
    attached = made.json()["interfaceAttachment"]
    assert set(attached) == INTERFACE_KEYS
    assert attached["fixed_ips"] == [{"ip_address": "10.20.0.50", "subnet_id": subnet_id}]
    shown = (await cloud.get(f"{base}/{attached['port_id']}", "2.70")).json()
    assert shown["interfaceAttachment"]["tag"] == "nic2"
    listed = (await cloud.get(base, "2.70")).json()["interfaceAttachments"]
    assert [i["tag"] for i in listed] == [None, "nic2"]
    server = await cloud.show(server_id)
    assert "10.20.0.50" in [a["addr"] for a in next(iter(server["addresses"].values()))]
    action = (await cloud.actions(server_id))[0]
    assert action["action"] == "attach_interface"
    events = (await cloud.action(server_id, action["request_id"]))["events"]
    assert [(e["event"], e["result"]) for e in events] == [("compute_attach_interface",
                                                            "Success")]
    # The caller's own port is kept (unbound) on detach; a port made for the server goes.
    own = await cloud.client.post("/network/v2.0/ports", json={"port": {
        "network_id": network_id}})
    port_id = own.json()["port"]["id"]
    assert (await cloud.send("POST", base, "2.70", {"interfaceAttachment": {
        "port_id": port_id}})).json()["interfaceAttachment"]["port_id"] == port_id
    in_use = await cloud.send("POST", base, "2.70", {"interfaceAttachment": {
        "port_id": port_id}})
    assert in_use.status_code == 409 and message(in_use) == f"Port {port_id} is still in use."
    assert (await cloud.send("DELETE", f"{base}/{port_id}", "2.1")).status_code == 202
    kept = (await cloud.client.get(f"/network/v2.0/ports/{port_id}")).json()["port"]
    assert (kept["device_id"], kept["device_owner"]) == ("", "")
    made_id = attached["port_id"]
    assert (await cloud.send("DELETE", f"{base}/{made_id}", "2.1")).status_code == 202
    assert (await cloud.client.get(f"/network/v2.0/ports/{made_id}")).status_code == 404
    assert [i["port_id"] for i in (await cloud.get(base)).json()["interfaceAttachments"]] == [
        boot["port_id"]]
    missing = await cloud.get(f"{base}/{made_id}")
    assert message(missing) == f"Port id {made_id} could not be found."
    assert (await cloud.get(base + "?foo=1", "2.101")).status_code == 200
    assert (await cloud.get(base + "?foo=1", "2.102")).status_code == 400


async def test_interface_attach_errors(cloud: Local) -> None:
    network_id, _ = await cloud.network()
    other_id, _ = await cloud.network(cidr="10.30.0.0/24")
    server_id = await cloud.boot(networks=[{"uuid": network_id}])
    base = f"/servers/{server_id}/os-interface"
    port = "2bd5ad3d-3f29-4eab-a1f2-3c2a2c0a8f11"
    both = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": network_id, "port_id": port}})
    assert message(both) == "Must not input both network_id and port_id"
    ip_only = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "fixed_ips": [{"ip_address": "10.20.0.9"}]}})
    assert message(ip_only) == "Must input network_id when request IP address"
    bad_ip = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": network_id, "fixed_ips": [{"ip_address": "nope"}]}})
    assert message(bad_ip) == ("Invalid input for field/attribute ip_address. Value: nope. "
                               "'nope' is not valid under any of the given schemas")
    unknown = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {"port_id": port}})
    assert unknown.status_code == 404 and message(unknown) == f"Port id {port} could not be found."
    recorded = (await cloud.actions(server_id))[0]
    assert recorded["action"] == "attach_interface"
    assert (await cloud.action(server_id, recorded["request_id"]))["events"] == []
    # Neither a network nor a port: the project's one network, if it has exactly one.
    ambiguous = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {}})
    assert ambiguous.status_code == 400
    assert message(ambiguous) == ("Multiple possible networks found, use a Network ID to be "
                                  "more specific.")
    failed = (await cloud.actions(server_id))[0]
    assert (failed["action"], failed["message"]) == ("attach_interface", "Error")
    (event,) = (await cloud.action(server_id, failed["request_id"], "2.84"))["events"]
    assert event["details"] == ("Multiple possible networks found, use a Network ID to be more "
                                "specific.")
    first = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": other_id, "fixed_ips": [{"ip_address": "10.30.0.50"}]}})
    assert first.status_code == 200, first.text
    used = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": other_id, "fixed_ips": [{"ip_address": "10.30.0.50"}]}})
    assert used.status_code == 409 and message(used) == "Fixed IP 10.30.0.50 is already in use."
    outside = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": other_id, "fixed_ips": [{"ip_address": "192.168.9.9"}]}})
    assert outside.status_code == 400
    assert message(outside) == ("Invalid input received: Fixed IP 192.168.9.9 is not a valid "
                                f"ip address for network {other_id}.")
    nowhere = "0f5f6c1e-1111-4c4c-8d8d-9e9e9e9e9e9e"
    no_net = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {"net_id": nowhere}})
    assert no_net.status_code == 404
    assert message(no_net) == f"Network {nowhere} could not be found."
    assert (await cloud.act(server_id, {"suspend": None})).status_code == 202
    await cloud.wait_for(server_id, status="SUSPENDED", task=None)
    refused = await cloud.send("POST", base, "2.1", {"interfaceAttachment": {
        "net_id": network_id}})
    assert refused.status_code == 409
    assert message(refused) == (f"Cannot 'attach_interface' instance {server_id} while it is "
                                "in vm_state suspended")
    member = await cloud.member()
    try:
        assert (await cloud.get(base, client=member)).status_code == 404
    finally:
        await member.aclose()


# --- volume attachments ------------------------------------------------------------------


async def test_volume_attachments_without_block_storage(cloud: Local) -> None:
    server_id = await cloud.boot()
    base = f"/servers/{server_id}/os-volume_attachments"
    assert (await cloud.get(base, "2.1")).json() == {"volumeAttachments": []}
    assert (await cloud.get(base, "2.74", foo="1")).status_code == 200
    strict = await cloud.get(base, "2.75", foo="1")
    assert message(strict) == "Additional properties are not allowed ('foo' was unexpected)"
    bad = await cloud.get(base, "2.1", limit="-1")
    assert message(bad) == ("Invalid input for query parameters limit. Value: -1. '-1' does "
                            "not match '^[0-9]*$'")
    shown = await cloud.get(f"{base}/{VOLUME_ID}", "2.89")
    assert shown.status_code == 404
    assert message(shown) == f"Instance {server_id} is not attached to volume {VOLUME_ID}"
    for version in ("2.1", "2.79", "2.101"):
        attach = await cloud.send("POST", base, version, {"volumeAttachment": {
            "volumeId": VOLUME_ID}})
        assert attach.status_code == 404, version
        assert message(attach) == f"Volume {VOLUME_ID} could not be found."
    tag = await cloud.send("POST", base, "2.48", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "tag": "disk1"}})
    assert tag.status_code == 400 and "('tag' was unexpected)" in message(tag)
    assert (await cloud.send("POST", base, "2.49", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "tag": "disk1"}})).status_code == 404
    dot = await cloud.send("POST", base, "2.78", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "delete_on_termination": True}})
    assert dot.status_code == 400 and "('delete_on_termination' was unexpected)" in message(dot)
    assert (await cloud.send("POST", base, "2.79", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "delete_on_termination": "yes"}})).status_code == 404
    bad_id = await cloud.send("POST", base, "2.1", {"volumeAttachment": {"volumeId": "v1"}})
    assert message(bad_id) == ("Invalid input for field/attribute volumeId. Value: v1. 'v1' "
                               "is not a 'uuid'")
    bad_device = await cloud.send("POST", base, "2.1", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "device": "sda"}})
    assert bad_device.status_code == 400 and "does not match" in message(bad_device)
    detach = await cloud.send("DELETE", f"{base}/{VOLUME_ID}", "2.1")
    assert detach.status_code == 404
    assert message(detach) == f"Volume {VOLUME_ID} could not be found."
    # Update: a swap (admins) before 2.85; from 2.85 the attachment itself.
    swap = await cloud.send("PUT", f"{base}/{VOLUME_ID}", "2.84", {"volumeAttachment": {
        "volumeId": VOLUME_ID}})
    assert message(swap) == f"Volume {VOLUME_ID} could not be found."
    update = await cloud.send("PUT", f"{base}/{VOLUME_ID}", "2.85", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "delete_on_termination": True}})
    assert message(update) == f"No volume Block Device Mapping with id {VOLUME_ID}."
    early = await cloud.send("PUT", f"{base}/{VOLUME_ID}", "2.84", {"volumeAttachment": {
        "volumeId": VOLUME_ID, "delete_on_termination": True}})
    assert early.status_code == 400
    member = await cloud.member()
    try:
        mine = await cloud.boot_as(member)
        path = f"/servers/{mine}/os-volume_attachments/{VOLUME_ID}"
        denied = await cloud.send("PUT", path, "2.84", {"volumeAttachment": {
            "volumeId": VOLUME_ID}}, client=member)
        assert denied.status_code == 403
        assert message(denied) == ("Policy doesn't allow os_compute_api:os-volumes-attachments:"
                                   "swap to be performed.")
        own = await cloud.send("PUT", path, "2.85", {"volumeAttachment": {
            "volumeId": VOLUME_ID}}, client=member)
        assert own.status_code == 404
    finally:
        await member.aclose()


async def test_volume_attachments_of_shelved_servers_from_2_20(cloud: Local) -> None:
    server_id = await cloud.boot()
    assert (await cloud.act(server_id, {"shelve": None})).status_code == 202
    await cloud.wait_for(server_id, status="SHELVED_OFFLOADED", task=None)
    base = f"/servers/{server_id}/os-volume_attachments"
    body = {"volumeAttachment": {"volumeId": VOLUME_ID}}
    for method, path in (("POST", base), ("DELETE", f"{base}/{VOLUME_ID}")):
        early = await cloud.send(method, path, "2.19", body if method == "POST" else None)
        assert early.status_code == 409
        name = "attach_volume" if method == "POST" else "detach_volume"
        assert message(early) == (f"Cannot '{name}' instance {server_id} while it is in "
                                  "vm_state shelved_offloaded")
        later = await cloud.send(method, path, "2.20", body if method == "POST" else None)
        assert later.status_code == 404


# --- server shares -------------------------------------------------------------------------


async def test_server_shares_without_a_share_service(cloud: Local) -> None:
    server_id = await cloud.boot()
    base = f"/servers/{server_id}/shares"
    assert (await cloud.get(base, "2.96")).status_code == 404
    assert (await cloud.get(base, "2.97")).json() == {"shares": []}
    assert (await cloud.get(base, "2.97", foo="1")).status_code == 400
    shown = await cloud.get(f"{base}/{SHARE_ID}", "2.97")
    assert shown.status_code == 404 and message(shown) == f"Share {SHARE_ID} could not be found."
    body = {"share": {"share_id": SHARE_ID, "tag": "data"}}
    running = await cloud.send("POST", base, "2.97", body)
    assert running.status_code == 409
    assert message(running) == (f"Cannot 'create share' instance {server_id} while it is in "
                                "vm_state active")
    assert (await cloud.act(server_id, {"os-stop": None})).status_code == 202
    await cloud.wait_for(server_id, status="SHUTOFF", task=None)
    stopped = await cloud.send("POST", base, "2.97", body)
    assert stopped.status_code == 409
    assert message(stopped) == ("Feature not supported because either compute or instance are "
                                "not configured correctly.")
    bad = await cloud.send("POST", base, "2.97", {"share": {"share_id": SHARE_ID,
                                                            "tag": "no spaces"}})
    assert bad.status_code == 400
    detach = await cloud.send("DELETE", f"{base}/{SHARE_ID}", "2.97")
    assert detach.status_code == 404
    unknown = "5f0c4b1e-3c7e-4b4e-9b1a-2d1d6d7f0a99"
    missing = await cloud.get(f"/servers/{unknown}/shares", "2.97")
    assert message(missing) == f"Instance {unknown} has no mapping to a cell."
    member = await cloud.member()
    try:
        denied = await cloud.get(base, "2.97", client=member)
        assert denied.status_code == 403
        assert message(denied) == ("Policy doesn't allow os_compute_api:os-server-shares:index "
                                   "to be performed.")
    finally:
        await member.aclose()
