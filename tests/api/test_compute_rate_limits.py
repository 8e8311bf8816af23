"""Rate limits of the legacy /v2 API over real HTTP, as 2013 Nova's RateLimitingMiddleware
enforced them: the seed's defaults counted per user with the sliding algorithm, 413 overLimit
with retryAfter and Retry-After past a limit, live `remaining` / `next-available` in /limits,
nothing under /v2.1, and one budget shared by every API process of a deployment."""

from __future__ import annotations

import concurrent.futures
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from pocketstack.settings import RateLimit, RateLimitSettings
from tests.api.compute_golden import assert_same_shape, golden, root
from tests.api.local_cloud import local_cloud
from tests.live import ADMIN_PASSWORD, Api, LiveCloud, login, new_member, start_cloud


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCloud]:
    """A cloud of its own with the default rate limits on (the session's has them off)."""
    live = start_cloud(Path(tmp_path_factory.mktemp("rate-limited")))
    try:
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def admin(cloud: LiveCloud) -> Iterator[Api]:
    api = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    yield api
    api.close()


def test_legacy_v2_has_the_seed_rate_table(member: Api) -> None:
    body = member.get(root(member, "v2") + "/limits").json()
    assert_same_shape(golden("seed_limits_v2.json"), body)
    seed_rate = golden("seed_limits_v2.json")["limits"]["rate"]
    rate = body["limits"]["rate"]
    assert [(r["uri"], r["regex"]) for r in rate] == [(r["uri"], r["regex"]) for r in seed_rate]
    for ours, theirs in zip(rate, seed_rate, strict=True):
        assert [(x["verb"], x["value"], x["unit"]) for x in ours["limit"]] == \
            [(x["verb"], x["value"], x["unit"]) for x in theirs["limit"]]
        for limit in ours["limit"]:
            assert set(limit) == {"verb", "value", "remaining", "unit", "next-available"}
            assert limit["next-available"].endswith("Z")


def parse_z(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC).timestamp()


async def _project(client: httpx.AsyncClient) -> str:
    token = client.headers["X-Auth-Token"]
    resp = await client.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": token})
    return str(resp.json()["token"]["project"]["id"])


def _v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}"


def _bad_keypair_post(api: Api, base: str) -> httpx.Response:
    # A POST the middleware counts before the handler refuses its body (400).
    return api.post(base + "/os-keypairs", json={"keypair": {}})


def _rate(api: Api) -> dict[tuple[str, str], dict[str, Any]]:
    body = api.get(_v2(api) + "/limits").json()["limits"]["rate"]
    return {(group["uri"], limit["verb"]): limit for group in body for limit in group["limit"]}


def test_eleventh_post_in_a_minute_is_over_limit(member: Api) -> None:
    for _ in range(10):
        assert _bad_keypair_post(member, _v2(member)).status_code == 400
    resp = _bad_keypair_post(member, _v2(member))
    assert resp.status_code == 413, resp.text
    fault = resp.json()["overLimit"]
    assert fault["code"] == 413
    assert fault["message"] == "This request was rate-limited."
    assert fault["details"] == "Only 10 POST request(s) can be made to * every minute."
    # One request drains every 6 s: the next fits within that.
    assert fault["retryAfter"] == resp.headers["Retry-After"]
    assert 1 <= int(resp.headers["Retry-After"]) <= 6
    # Refused requests do not fill the level further, and PUT has its own budget.
    assert member.put(_v2(member) + "/os-keypairs/x", json={}).status_code != 413


def test_limits_show_remaining_and_next_available(member: Api) -> None:
    fresh = _rate(member)
    assert fresh[("*", "POST")]["remaining"] == 10
    for _ in range(3):
        _bad_keypair_post(member, _v2(member))
    rate = _rate(member)
    assert rate[("*", "POST")]["remaining"] == 7
    assert rate[("*", "PUT")]["remaining"] == 10
    assert rate[("*/servers", "POST")]["remaining"] == 50
    assert parse_z(rate[("*", "POST")]["next-available"]) <= time.time() + 1
    for _ in range(7):
        _bad_keypair_post(member, _v2(member))
    full = _rate(member)[("*", "POST")]
    assert full["remaining"] == 0
    assert parse_z(full["next-available"]) > time.time()


def test_changes_since_is_three_a_minute(member: Api) -> None:
    url = _v2(member) + "/servers?changes-since=2013-01-01T00:00:00Z"
    assert [member.get(url).status_code for _ in range(3)] == [200, 200, 200]
    over = member.get(url)
    assert over.status_code == 413
    assert over.json()["overLimit"]["details"] == \
        "Only 3 GET request(s) can be made to *changes-since* every minute."
    # GETs without the filter match no limit.
    assert all(member.get(_v2(member) + "/servers").status_code == 200 for _ in range(5))


def test_limits_are_per_user(cloud: LiveCloud, admin: Api, member: Api) -> None:
    for _ in range(11):
        _bad_keypair_post(member, _v2(member))
    assert _bad_keypair_post(member, _v2(member)).status_code == 413
    other = new_member(cloud, admin)
    try:
        assert _bad_keypair_post(other, _v2(other)).status_code == 400
        assert _rate(other)[("*", "POST")]["remaining"] == 9
    finally:
        other.close()


def test_v21_is_never_rate_limited(member: Api) -> None:
    statuses = {_bad_keypair_post(member, "/compute/v2.1").status_code for _ in range(15)}
    assert statuses == {400}
    assert member.get("/compute/v2.1/limits").json()["limits"]["rate"] == []
    # ... and does not spend the /v2 budget.
    assert _rate(member)[("*", "POST")]["remaining"] == 10


def test_published_limits_name_served_paths(member: Api) -> None:
    seed = golden("seed_limits_v2.json")["limits"]["rate"]
    published = {(group["uri"], group["regex"]) for group in
                 member.get(_v2(member) + "/limits").json()["limits"]["rate"]}
    for group in seed:
        key = (group["uri"], group["regex"])
        if group["regex"].startswith("^/"):
            served = member.get(_v2(member) + group["regex"][1:]).status_code != 404
            assert (key in published) == served, key
        else:
            assert key in published


async def test_custom_limits_and_off(tmp_path: Path) -> None:
    limits = RateLimitSettings(limits=[
        RateLimit(verb="GET", uri="*/flavors", regex="^/flavors", value=2, unit="HOUR"),
        RateLimit(verb="GET", uri="*/os-nothing", regex="^/os-nothing", value=2, unit="HOUR")])
    async with local_cloud(tmp_path / "on", rate_limits=limits) as c:
        project = await _project(c.client)
        base = f"/compute/v2/{project}"
        assert [(await c.client.get(base + "/flavors")).status_code for _ in range(3)] == [200, 200, 413]
        assert (await c.client.get(base + "/flavors")).headers["Retry-After"] == "1800"
        rate = (await c.client.get(base + "/limits")).json()["limits"]["rate"]
        assert rate == [{"uri": "*/flavors", "regex": "^/flavors", "limit": [
            {"verb": "GET", "value": 2, "remaining": 0, "unit": "HOUR",
             "next-available": rate[0]["limit"][0]["next-available"]}]}]
        # POSTs match nothing here.
        assert (await c.client.post(base + "/os-keypairs", json={})).status_code == 400
    async with local_cloud(tmp_path / "off", rate_limits=RateLimitSettings(enabled=False)) as c:
        project = await _project(c.client)
        base = f"/compute/v2/{project}"
        assert {(await c.client.post(base + "/os-keypairs", json={})).status_code
                for _ in range(12)} == {400}
        assert (await c.client.get(base + "/limits")).json()["limits"]["rate"] == []


async def test_a_first_request_to_limits_publishes_only_served_paths(tmp_path: Path) -> None:
    """The limits are settled by their first use (here /limits, before any other Compute
    request of the process): one naming a path the API does not serve stays unpublished."""
    limits = RateLimitSettings(limits=[
        RateLimit(verb="GET", uri="*/os-nothing", regex="^/os-nothing", value=2, unit="HOUR"),
        RateLimit(verb="GET", uri="*/images", regex="^/images", value=1, unit="HOUR")])
    async with local_cloud(tmp_path, rate_limits=limits) as c:
        project = await _project(c.client)
        base = f"/compute/v2/{project}"
        rate = (await c.client.get(base + "/limits")).json()["limits"]["rate"]
        assert [(group["uri"], group["regex"]) for group in rate] == [("*/images", "^/images")]
        assert [(await c.client.get(base + "/images")).status_code for _ in range(2)] == [200, 413]
        assert (await c.client.get(base + "/os-nothing")).status_code == 404


def shared_budget(base: str, data_dir: Path, requests: int = 30) -> int:
    """POSTs of one user, each on its own connection so both processes answer; how many got
    past the limiter (400) before the 413s."""
    admin = login(LiveCloud(base, data_dir), "admin", ADMIN_PASSWORD, "admin")
    url = f"{base}/compute/v2/{admin.project_id}/os-keypairs"
    headers = {"X-Auth-Token": admin.token}

    def post(_: int) -> int:
        return httpx.post(url, json={"keypair": {}}, headers=headers, timeout=30).status_code

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(post, range(requests)))
    elapsed = time.monotonic() - started
    admin.close()
    assert set(statuses) <= {400, 413}, statuses
    allowed = statuses.count(400)
    # One budget of 10 a minute, plus what drained meanwhile (one per 6 s).
    assert 10 <= allowed <= 10 + int(elapsed / 6), (allowed, elapsed)
    return allowed


def test_two_sqlite_processes_share_one_budget(tmp_path: Path) -> None:
    live = start_cloud(tmp_path, args=["--workers", "2"])
    try:
        shared_budget(live.base_url, tmp_path)
    finally:
        live.stop()



def test_fping_rate_limit_is_published_now_that_it_is_served(member: Api) -> None:
    rate = member.get(_v2(member) + "/limits").json()["limits"]["rate"]
    assert ("*/os-fping", "^/os-fping") in {(r["uri"], r["regex"]) for r in rate}
