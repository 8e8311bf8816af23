"""Block storage response shapes against Cinder's API reference samples (tests/golden/volume):
every attribute the sample shows is present with its JSON type, and nothing else is."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.api.compute_golden import assert_same_shape
from tests.live import Api, LiveCloud

PER_TYPE = re.compile(r"^(volumes|gigabytes|snapshots)_.")
GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "volume"
LATEST = {"OpenStack-API-Version": "volume 3.71"}


def assert_matches(name: str, actual: dict[str, Any], **overrides: Any) -> None:
    """`overrides`: sample values that differ in kind here (the samples show a volume still
    `creating`, not yet given a host; ours are scheduled when they answer)."""
    expected = json.loads((GOLDEN / name).read_text())
    [(member, body)] = expected.items()
    if isinstance(body, dict):
        body.update({key.replace("__", ":"): value for key, value in overrides.items()})
    assert_same_shape(expected, actual)
    inner = actual[member][0] if isinstance(body, list) else actual[member]
    sample = body[0] if isinstance(body, list) else body
    assert set(inner) == set(sample)


def test_versions_document(cloud: LiveCloud) -> None:
    expected = json.loads((GOLDEN / "versions.json").read_text())
    actual = httpx.get(cloud.base_url + "/volume/v3/").json()
    expected["versions"][0]["links"][1]["href"] = cloud.base_url + "/volume/v3/"
    assert actual == expected


def test_volume_shapes(admin: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    created = admin.post(root + "/volumes", json={"volume": {"size": 1}})
    assert created.status_code == 202, created.text
    assert_matches("volume_create.json", created.json())
    volume_id = created.json()["volume"]["id"]
    host = {"os-vol-host-attr__host": "pocketstack@fake#fake"}
    assert_matches("volume_show.json", admin.get(f"{root}/volumes/{volume_id}").json(), **host)
    assert_matches("volume_show_v3.69.json",
                   admin.get(f"{root}/volumes/{volume_id}", headers=LATEST).json(), **host)
    assert_matches("volumes_list.json", admin.get(root + "/volumes").json())
    snapshot = admin.post(root + "/snapshots", json={"snapshot": {
        "volume_id": volume_id, "name": "snap-001", "description": "Daily backup",
        "metadata": {"key": "v3"}}}, headers=LATEST)
    shown = admin.get(f"{root}/snapshots/{snapshot.json()['snapshot']['id']}", headers=LATEST)
    assert_matches("snapshot_show_v3.65.json", shown.json())
    assert_matches("snapshots_list.json", admin.get(root + "/snapshots", headers=LATEST).json())
    assert_matches("snapshots_list_detail_v3.65.json",
                   admin.get(root + "/snapshots/detail", headers=LATEST).json())
    assert admin.delete(f"{root}/snapshots/{snapshot.json()['snapshot']['id']}").status_code == 202
    assert admin.delete(f"{root}/volumes/{volume_id}").status_code == 202


def test_type_limits_quota_shapes(admin: Api, member: Api) -> None:
    root = f"/volume/v3/{admin.project_id}"
    made = admin.post(root + "/types", json={"volume_type": {
        "name": "golden-type", "description": "volume type 0001",
        "extra_specs": {"capabilities": "gpu"}}})
    assert made.status_code == 200, made.text
    type_id = made.json()["volume_type"]["id"]
    assert_matches("volume_type_show.json", admin.get(f"{root}/types/{type_id}").json())
    assert admin.delete(f"{root}/types/{type_id}").status_code == 202
    member_root = f"/volume/v3/{member.project_id}"
    assert_matches("limits_show.json", member.get(member_root + "/limits").json())
    quotas = f"{member_root}/os-quota-sets/{member.project_id}"
    assert_matches("quotas_show.json", default_type_only(member.get(quotas).json()))
    assert_matches("quotas_show_usage.json",
                   default_type_only(member.get(quotas + "?usage=true").json()))
    assert_matches("quotas_show_defaults.json",
                   default_type_only(member.get(quotas + "/defaults").json()))
    updated = admin.put(f"{root}/os-quota-sets/{member.project_id}",
                        json={"quota_set": {"volumes": 5, "backups": 4, "groups": 11}})
    assert_matches("quotas_update.json", default_type_only(updated.json()))


def default_type_only(body: dict[str, Any]) -> dict[str, Any]:
    """The quota set without the per-type quotas of types other tests made (the samples know
    only `__DEFAULT__`)."""
    quota_set = body["quota_set"]
    return {"quota_set": {key: value for key, value in quota_set.items()
                          if not PER_TYPE.match(key) or key.endswith("___DEFAULT__")}}
