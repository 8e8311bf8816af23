"""Availability zones and network IP availability over real HTTP: /v2.0/availability_zones,
availability_zone_hints on networks, and /v2.0/network-ip-availabilities (admin only)."""

from __future__ import annotations

from tests.live import Api

V2 = "/network/v2.0"
PRIVATE_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"


def test_availability_zones_and_hints(member: Api) -> None:
    zones = member.get(f"{V2}/availability_zones").json()
    assert zones == {"availability_zones": [{"name": "nova", "resource": "network", "state": "available"}]}
    assert member.get(f"{V2}/availability_zones", params={"resource": "router"}).json() == {
        "availability_zones": []}
    network = member.post(f"{V2}/networks", json={"network": {
        "name": "az", "availability_zone_hints": ["nova"]}}).json()["network"]
    assert network["availability_zone_hints"] == ["nova"] and network["availability_zones"] == ["nova"]
    plain = member.post(f"{V2}/networks", json={"network": {"name": "az2"}}).json()["network"]
    assert plain["availability_zone_hints"] == []
    missing = member.post(f"{V2}/networks", json={"network": {"availability_zone_hints": ["mars"]}})
    assert missing.status_code == 404
    assert missing.json()["NeutronError"] == {"type": "AvailabilityZoneNotFound", "detail": "",
                                              "message": "AvailabilityZone mars could not be found."}
    bad = member.post(f"{V2}/networks", json={"network": {"availability_zone_hints": "nova"}})
    assert bad.status_code == 400 and bad.json()["NeutronError"]["type"] == "InvalidInput"
    fixed = member.put(f"{V2}/networks/{plain['id']}", json={"network": {"availability_zone_hints": []}})
    assert fixed.status_code == 400
    ext = member.get(f"{V2}/extensions/network_availability_zone").json()["extension"]
    assert ext["name"] == "Network Availability Zone"


def test_network_ip_availability(admin: Api, member: Api) -> None:
    network = member.post(f"{V2}/networks", json={"network": {"name": "ipa"}}).json()["network"]
    subnet = member.post(f"{V2}/subnets", json={"subnet": {
        "network_id": network["id"], "cidr": "10.95.0.0/28", "ip_version": 4}}).json()["subnet"]
    for _ in range(3):
        member.post(f"{V2}/ports", json={"port": {"network_id": network["id"]}})
    url = f"{V2}/network-ip-availabilities/{network['id']}"
    shown = admin.get(url).json()["network_ip_availability"]
    assert shown == {
        "network_id": network["id"], "network_name": "ipa", "project_id": member.project_id,
        "tenant_id": member.project_id, "total_ips": 13, "used_ips": 3,
        "subnet_ip_availability": [{"subnet_id": subnet["id"], "subnet_name": "", "cidr": "10.95.0.0/28",
                                    "ip_version": 4, "total_ips": 13, "used_ips": 3}]}
    listed = admin.get(f"{V2}/network-ip-availabilities", params={"network_name": "ipa"}).json()
    assert [item["network_id"] for item in listed["network_ip_availabilities"]] == [network["id"]]
    by_project = admin.get(f"{V2}/network-ip-availabilities",
                           params={"project_id": member.project_id, "ip_version": 6}).json()
    assert by_project == {"network_ip_availabilities": []}
    v6 = admin.post(f"{V2}/networks", json={"network": {"name": "ipa6"}}).json()["network"]
    admin.post(f"{V2}/subnets", json={"subnet": {"network_id": v6["id"], "cidr": "fd00:95::/64",
                                                "ip_version": 6}})
    six = admin.get(f"{V2}/network-ip-availabilities/{v6['id']}").json()["network_ip_availability"]
    assert six["total_ips"] == 2**64 - 2 and six["used_ips"] == 0
    everything_resp = admin.get(f"{V2}/network-ip-availabilities")
    assert everything_resp.status_code == 200, everything_resp.text
    everything = everything_resp.json()["network_ip_availabilities"]
    assert PRIVATE_ID in {item["network_id"] for item in everything}
    refused = member.get(url)
    assert refused.status_code == 403
    assert refused.json()["NeutronError"]["type"] == "PolicyNotAuthorized"
    empty = member.post(f"{V2}/networks", json={"network": {"name": "bare"}}).json()["network"]
    missing = admin.get(f"{V2}/network-ip-availabilities/{empty['id']}")
    assert missing.status_code == 404 and missing.json()["NeutronError"]["type"] == "NetworkNotFound"
