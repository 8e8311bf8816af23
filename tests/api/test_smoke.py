"""The live server starts, issues tokens, and refuses bad credentials with Keystone's body."""

from tests.live import Api, LiveCloud


def test_member_gets_project_scoped_token(member: Api) -> None:
    token = member.token_body["token"]
    assert token["project"]["id"] == member.project_id
    assert {r["name"] for r in token["roles"]} == {"member", "reader"}
    assert {s["type"] for s in token["catalog"]} == {"identity", "compute", "image", "network",
                                                     "block-storage", "volumev3", "placement"}


def test_wrong_password_is_401_with_keystone_body(cloud: LiveCloud, admin: Api) -> None:
    import httpx

    resp = httpx.post(cloud.auth_url + "/auth/tokens", json={"auth": {"identity": {
        "methods": ["password"], "password": {"user": {"name": "admin", "domain": {"id": "default"},
                                                        "password": "wrong"}}}}})
    assert resp.status_code == 401
    assert resp.json() == {"error": {"code": 401, "title": "Unauthorized",
                                     "message": "The request you have made requires authentication."}}
