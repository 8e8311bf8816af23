"""Helpers for the compute API tests: the seed's example bodies (tests/golden/compute) and
shape comparison, and the two API roots every resource answers under."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live import Api

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "compute"
ROOTS = ("v2", "v2.1")
MakeFlavor = Callable[..., dict[str, Any]]


def golden(name: str) -> Any:
    return json.loads((GOLDEN / name).read_text())


def root(api: Api, version: str) -> str:
    """The API root for a path: /compute/v2/{project_id} (legacy) or /compute/v2.1."""
    return f"/compute/v2/{api.project_id}" if version == "v2" else "/compute/v2.1"


def kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def assert_same_shape(expected: Any, actual: Any, where: str = "$") -> None:
    """Every key the example shows is present, with the same JSON type, at every depth.
    Lists compare each actual item with the example's first item."""
    assert kind(actual) == kind(expected), f"{where}: {kind(actual)} != {kind(expected)}"
    if isinstance(expected, dict):
        for key, value in expected.items():
            assert key in actual, f"{where}: missing {key!r}"
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(expected, list) and expected:
        assert actual, f"{where}: empty list where the example has items"
        for i, item in enumerate(actual):
            assert_same_shape(expected[0], item, f"{where}[{i}]")


@pytest.fixture
def make_flavor(admin: Api) -> Iterator[MakeFlavor]:
    """Create flavors as admin; each is deleted after the test."""
    made: list[str] = []

    def make(**attrs: Any) -> dict[str, Any]:
        body = {"name": f"t-{uuid.uuid4().hex[:10]}", "ram": 64, "vcpus": 1, "disk": 1, **attrs}
        resp = admin.post("/compute/v2.1/flavors", json={"flavor": body})
        assert resp.status_code == 200, resp.text
        flavor: dict[str, Any] = resp.json()["flavor"]
        made.append(flavor["id"])
        return flavor

    yield make
    for flavor_id in made:
        admin.delete(f"/compute/v2.1/flavors/{flavor_id}")
