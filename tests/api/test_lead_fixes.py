"""Small conformance fixes found by Tempest: unknown compute paths and Glance's task list."""

from tests.live import Api


def test_unknown_one_segment_compute_path_is_404(member: Api) -> None:
    resp = member.get("/compute/v2.1/os-no-such-thing")
    assert resp.status_code == 404
    assert resp.json() == {"itemNotFound": {"code": 404, "message": "The resource could not be found."}}


def test_project_root_is_a_version_document(member: Api) -> None:
    resp = member.get(f"/compute/v2.1/{member.project_id}")
    assert resp.status_code == 200
    assert resp.json()["version"]["id"] == "v2.1"


def test_image_tasks_list_is_empty_for_visible_image(member: Api) -> None:
    images = member.get("/image/v2/images", params={"name": "cirros"}).json()["images"]
    resp = member.get(f"/image/v2/images/{images[0]['id']}/tasks")
    assert resp.status_code == 200
    assert resp.json() == {"tasks": []}


def test_image_tasks_of_unknown_image_is_404(member: Api) -> None:
    resp = member.get("/image/v2/images/00000000-0000-0000-0000-000000000000/tasks")
    assert resp.status_code == 404


def test_floating_ip_pool_may_be_named_by_network_id(admin: Api, member: Api) -> None:
    networks = admin.get("/network/v2.0/networks", params={"name": "public"}).json()["networks"]
    resp = member.post("/compute/v2.1/os-floating-ips", json={"pool": networks[0]["id"]})
    assert resp.status_code == 200, resp.text
    floating = resp.json()["floating_ip"]
    assert floating["pool"] == "public"
    assert member.delete(f"/compute/v2.1/os-floating-ips/{floating['id']}").status_code == 202


def test_second_floating_ip_on_the_same_fixed_ip_is_400(member: Api) -> None:
    import time

    image = member.get("/compute/v2.1/images", params={"name": "cirros"}).json()["images"][0]["id"]
    server = member.post("/compute/v2.1/servers", json={"server": {
        "name": "fip", "imageRef": image, "flavorRef": "1"}}).json()["server"]
    deadline = time.monotonic() + 30
    while member.get(f"/compute/v2.1/servers/{server['id']}").json()["server"]["status"] != "ACTIVE":
        assert time.monotonic() < deadline
        time.sleep(0.05)
    first, second = (member.post("/compute/v2.1/os-floating-ips", json={"pool": "public"}).json()["floating_ip"]
                     for _ in range(2))
    action = f"/compute/v2.1/servers/{server['id']}/action"
    assert member.post(action, json={"addFloatingIp": {"address": first["ip"]}}).status_code == 202
    resp = member.post(action, json={"addFloatingIp": {"address": second["ip"]}})
    assert resp.status_code == 400
    assert "already has a floating IP" in resp.json()["badRequest"]["message"]
