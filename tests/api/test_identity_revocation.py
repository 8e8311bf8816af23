"""Taking access away ends tokens at once: disabling or deleting a user, changing a password,
removing a grant, disabling or deleting a project. Passwords are stored as argon2id hashes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import httpx
from sqlalchemy import text

from pocketstack.db.engine import Database
from tests.live import Api, LiveCloud, login


def still_works(api: Api) -> bool:
    return api.get(f"/identity/v3/users/{api.user_id}").status_code == 200


def refused_within(api: Api, seconds: float = 1.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        resp = api.get(f"/identity/v3/users/{api.user_id}")
        if resp.status_code == 401:
            assert resp.json()["error"]["title"] == "Unauthorized"
            assert resp.headers["WWW-Authenticate"].startswith("Keystone uri=")
            return True
        time.sleep(0.1)
    return False


def test_disabling_a_user_ends_its_tokens(admin: Api, member: Api, cloud: LiveCloud) -> None:
    assert still_works(member)
    resp = admin.patch(f"/identity/v3/users/{member.user_id}", json={"user": {"enabled": False}})
    assert resp.status_code == 200 and resp.json()["user"]["enabled"] is False
    assert refused_within(member)
    again = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": member.user_id, "password": member.password}}}}})
    assert again.status_code == 401
    admin.patch(f"/identity/v3/users/{member.user_id}", json={"user": {"enabled": True}})
    assert not still_works(member)
    assert still_works(login(cloud, member.username, member.password, member.project_name))


def test_deleting_a_user_ends_its_tokens(admin: Api, member: Api) -> None:
    assert admin.delete(f"/identity/v3/users/{member.user_id}").status_code == 204
    assert refused_within(member)


def test_password_change_by_the_user(cloud: LiveCloud, member: Api) -> None:
    url = f"{cloud.auth_url}/users/{member.user_id}/password"
    wrong = httpx.post(url, json={"user": {"original_password": "wrong", "password": "new-pw-1"}})
    assert wrong.status_code == 401
    assert still_works(member)
    empty_password = httpx.post(url, json={"user": {"original_password": member.password, "password": ""}})
    assert empty_password.status_code == 400
    ok = httpx.post(url, json={"user": {"original_password": member.password, "password": "new-pw-1"}})
    assert ok.status_code == 204, ok.text
    assert refused_within(member)
    assert still_works(login(cloud, member.username, "new-pw-1", member.project_name))
    old = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"id": member.user_id, "password": member.password}}}}})
    assert old.status_code == 401


def test_password_reset_by_admin(cloud: LiveCloud, admin: Api, member: Api) -> None:
    resp = admin.patch(f"/identity/v3/users/{member.user_id}", json={"user": {"password": "reset-pw"}})
    assert resp.status_code == 200
    assert refused_within(member)
    assert still_works(login(cloud, member.username, "reset-pw", member.project_name))


def test_removing_a_grant_ends_tokens_on_that_project(admin: Api, member: Api) -> None:
    grant = f"/identity/v3/projects/{member.project_id}/users/{member.user_id}/roles/{{}}"
    assert admin.delete(grant.format(admin.role_id("reader"))).status_code == 204
    assert refused_within(member)


def test_disabling_or_deleting_a_project_ends_its_tokens(admin: Api, make_member: Callable[..., Api]) -> None:
    first, second = make_member(), make_member()
    admin.patch(f"/identity/v3/projects/{first.project_id}", json={"project": {"enabled": False}})
    assert refused_within(first)
    assert admin.delete(f"/identity/v3/projects/{second.project_id}").status_code == 204
    assert refused_within(second)


def test_revoked_tokens_are_404_to_validation(admin: Api, member: Api) -> None:
    admin.patch(f"/identity/v3/users/{member.user_id}", json={"user": {"enabled": False}})
    resp = admin.get("/identity/v3/auth/tokens", headers={"X-Subject-Token": member.token})
    assert resp.status_code == 404


def test_passwords_are_argon2id_hashes_and_grants_do_not_outlive_users(cloud: LiveCloud, admin: Api,
                                                                        member: Api) -> None:
    user_id = member.user_id
    admin.delete(f"/identity/v3/users/{user_id}")

    async def read() -> tuple[str, int, int]:
        db = Database(f"sqlite+aiosqlite:///{cloud.data_dir / 'pocketstack.db'}")
        try:
            async with db.reader() as s:
                stored = (await s.execute(text("SELECT password_hash FROM users WHERE name = 'admin'"))).scalar()
                orphans = (await s.execute(text(
                    "SELECT count(*) FROM role_assignments a LEFT JOIN users u ON u.id = a.user_id "
                    "LEFT JOIN projects p ON p.id = a.project_id "
                    "WHERE u.id IS NULL OR (a.project_id IS NOT NULL AND p.id IS NULL)"))).scalar()
                foreign_keys = (await s.execute(text("PRAGMA foreign_keys"))).scalar()
        finally:
            await db.dispose()
        return str(stored), int(orphans or 0), int(foreign_keys or 0)

    stored, orphans, foreign_keys = asyncio.run(read())
    assert stored.startswith("$argon2id$")
    assert orphans == 0
    assert foreign_keys == 1
