"""Domain-specific configuration through real HTTP: whole config, groups and options (create,
show, merge, delete), the defaults, Keystone's refusals (unsupported group or option 403,
missing 404, members 403), and the sensitive ldap.password never shown."""

from __future__ import annotations

import uuid

from tests.live import Api


def new_domain(admin: Api) -> str:
    resp = admin.post("/identity/v3/domains", json={"domain": {"name": f"d-{uuid.uuid4().hex[:8]}"}})
    assert resp.status_code == 201, resp.text
    return str(resp.json()["domain"]["id"])


CONFIG = {"identity": {"driver": "ldap"},
          "ldap": {"url": "ldap://myldap.com:389/", "user_tree_dn": "ou=Users,dc=org"}}


def test_domain_config_lifecycle(admin: Api) -> None:
    domain = new_domain(admin)
    url = f"/identity/v3/domains/{domain}/config"
    assert admin.get(url).status_code == 404
    resp = admin.put(url, json={"config": {**CONFIG, "ldap": {**CONFIG["ldap"], "password": "s3"}}})
    assert resp.status_code == 201, resp.text
    assert resp.json()["config"] == CONFIG
    assert admin.get(url).json()["config"] == CONFIG
    assert admin.put(url, json={"config": CONFIG}).status_code == 200
    assert admin.get(f"{url}/ldap").json()["config"] == {"ldap": CONFIG["ldap"]}
    assert admin.get(f"{url}/ldap/url").json()["config"] == {"url": "ldap://myldap.com:389/"}
    merged = admin.patch(url, json={"config": {"ldap": {"url": "ldap://other/"}}})
    assert merged.status_code == 200 and merged.json()["config"]["ldap"] == {
        "url": "ldap://other/", "user_tree_dn": "ou=Users,dc=org"}
    group = admin.patch(f"{url}/identity", json={"config": {"identity": {"driver": "x", "list_limit": 5}}})
    assert group.json()["config"]["identity"] == {"driver": "x", "list_limit": 5}
    option = admin.patch(f"{url}/identity/driver", json={"config": {"driver": "y"}})
    assert option.json()["config"]["identity"]["driver"] == "y"
    assert admin.delete(f"{url}/identity/driver").status_code == 204
    assert admin.get(f"{url}/identity/driver").status_code == 404
    assert admin.delete(f"{url}/identity").status_code == 204
    assert admin.get(f"{url}/identity").status_code == 404
    assert admin.delete(url).status_code == 204
    assert admin.get(url).status_code == 404


def test_domain_config_refusals_and_defaults(admin: Api, member: Api) -> None:
    domain = new_domain(admin)
    url = f"/identity/v3/domains/{domain}/config"
    for bad in ({"nova": {"x": 1}}, {"ldap": {"colour": "red"}}, {}, {"ldap": {}}):
        resp = admin.put(url, json={"config": bad})
        assert resp.status_code == 403, (bad, resp.text)
        assert resp.json()["error"]["code"] == 403
    assert admin.put(url, json={"nothing": {}}).status_code == 400
    assert admin.put("/identity/v3/domains/missing/config", json={"config": CONFIG}).status_code == 404
    assert member.get(url).status_code == 403
    assert member.put(url, json={"config": CONFIG}).status_code == 403
    defaults = admin.get("/identity/v3/domains/config/default").json()["config"]
    assert defaults["identity"]["driver"] == "sql" and "list_limit" in defaults["identity"]
    assert "password" not in defaults["ldap"] and defaults["ldap"]["url"] == "ldap://localhost"
    assert admin.get("/identity/v3/domains/config/ldap/default").json()["config"]["ldap"] == defaults["ldap"]
    assert admin.get("/identity/v3/domains/config/identity/driver/default").json() == {
        "config": {"driver": "sql"}}
    assert admin.get("/identity/v3/domains/config/nova/default").status_code == 403
    assert admin.get("/identity/v3/domains/config/ldap/password/default").status_code == 403
