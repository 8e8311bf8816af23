"""Version ranges on routes and server actions, and per-version values, without HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pocketstack import errors
from pocketstack.api.compute import action_registry
from pocketstack.api.compute.microversions import CHANGES, Versioned, serves, since, until
from pocketstack.api.routing import Endpoint, Router


async def _old(ctx: Any) -> None:
    return None


async def _new(ctx: Any) -> None:
    return None


def test_router_picks_the_endpoint_of_the_requested_version() -> None:
    router = Router()
    router.add("GET", "/things/{id}", Endpoint(_old, "compute", {}, serves("2.0", "2.35")))
    router.add("GET", "/things/{id}", Endpoint(_new, "compute", {}, serves("2.40")))
    endpoint, params, allowed = router.match("GET", "/things/abc")
    assert endpoint is not None and params == {"id": "abc"} and allowed == ["GET"]
    assert endpoint.at((2, 0)) is not None and endpoint.at((2, 0)).handler is _old
    assert endpoint.at((2, 35)).handler is _old  # type: ignore[union-attr]
    assert endpoint.at((2, 36)) is None  # Nova's 404: no method at this version
    assert endpoint.at((2, 40)).handler is _new  # type: ignore[union-attr]
    assert endpoint.at((2, 104)).handler is _new  # type: ignore[union-attr]


def test_router_refuses_overlapping_ranges() -> None:
    router = Router()
    router.add("GET", "/things", Endpoint(_old, "compute", {}, serves("2.1", "2.35")))
    with pytest.raises(ValueError, match="duplicate route"):
        router.add("GET", "/things", Endpoint(_new, "compute", {}, serves("2.30")))


async def _action(ctx: Any, server_id: str, value: Any) -> Any:
    return None


def test_action_outside_its_versions_is_404_and_unknown_action_is_none() -> None:
    action_registry.action("testOnlyAction", serves("2.17"))(_action)
    try:
        assert action_registry.handler_at("testOnlyAction", (2, 17)) is _action
        with pytest.raises(errors.NotFound):
            action_registry.handler_at("testOnlyAction", (2, 16))
        assert action_registry.handler_at("noSuchAction", (2, 17)) is None
        with pytest.raises(ValueError, match="registered twice"):
            action_registry.action("testOnlyAction", serves("2.20"))(_action)
    finally:
        del action_registry.ACTIONS["testOnlyAction"]


def test_versioned_values_and_thresholds_record_their_changes() -> None:
    before = len(CHANGES)
    try:
        table = Versioned("test area", ("2.1", "a", ""), ("2.19", "b", "adds b"),
                          ("2.57", "c", "c replaces b"))
        assert [table.at(v) for v in [(2, 0), (2, 1), (2, 18), (2, 19), (2, 56), (2, 57), (2, 99)]] \
            == ["a", "a", "a", "b", "b", "c", "c"]
        assert since("2.47", "test area", "x") == (2, 47)
        assert until("2.35", "test area", "y") == (2, 35)
        recorded = [(c.version, c.summary) for c in CHANGES[before:]]
        assert recorded == [((2, 19), "adds b"), ((2, 57), "c replaces b"), ((2, 47), "x"),
                            ((2, 36), "y")]
        with pytest.raises(ValueError, match="out of order"):
            Versioned("test area", ("2.19", "b", ""), ("2.1", "a", ""))
    finally:
        del CHANGES[before:]
