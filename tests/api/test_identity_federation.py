"""OS-FEDERATION records through real HTTP: identity providers (a domain of their own, unique
remote ids), mappings (rules validated), protocols (naming an existing mapping) and service
providers (URLs required); admins only."""

from __future__ import annotations

import uuid

from tests.live import Api

FED = "/identity/v3/OS-FEDERATION"
RULES = [{"local": [{"user": {"name": "{0}"}}], "remote": [{"type": "REMOTE_USER"}]}]


def test_identity_provider_protocol_and_mapping(admin: Api) -> None:
    idp_id = f"idp-{uuid.uuid4().hex[:8]}"
    remote = f"https://{idp_id}.example.com/saml"
    resp = admin.put(f"{FED}/identity_providers/{idp_id}", json={"identity_provider": {
        "description": "an IdP", "enabled": True, "remote_ids": [remote]}})
    assert resp.status_code == 201, resp.text
    idp = resp.json()["identity_provider"]
    assert (idp["id"], idp["enabled"], idp["remote_ids"]) == (idp_id, True, [remote])
    assert admin.get(f"/identity/v3/domains/{idp['domain_id']}").status_code == 200
    assert idp["links"]["protocols"].endswith(f"{FED}/identity_providers/{idp_id}/protocols")
    assert admin.put(f"{FED}/identity_providers/{idp_id}", json={"identity_provider": {}}).status_code == 409
    clash = admin.put(f"{FED}/identity_providers/other-{idp_id}", json={"identity_provider": {
        "remote_ids": [remote]}})
    assert clash.status_code == 409
    assert idp_id in [i["id"] for i in admin.get(f"{FED}/identity_providers").json()["identity_providers"]]
    patched = admin.patch(f"{FED}/identity_providers/{idp_id}", json={"identity_provider": {"enabled": False}})
    assert patched.status_code == 200 and patched.json()["identity_provider"]["enabled"] is False
    assert admin.patch(f"{FED}/identity_providers/{idp_id}", json={"identity_provider": {
        "domain_id": "default"}}).status_code == 400

    mapping_id = f"map-{uuid.uuid4().hex[:8]}"
    resp = admin.put(f"{FED}/mappings/{mapping_id}", json={"mapping": {"rules": RULES}})
    assert resp.status_code == 201, resp.text
    assert resp.json()["mapping"]["schema_version"] == "1.0"
    for bad in ({"rules": []}, {"rules": [{"local": [], "remote": [{"type": "x"}]}]},
                {"rules": [{"local": [{}], "remote": [{}]}]}, {"rules": RULES, "colour": 1}):
        assert admin.put(f"{FED}/mappings/bad-{uuid.uuid4().hex[:6]}", json={"mapping": bad}).status_code == 400

    proto = f"{FED}/identity_providers/{idp_id}/protocols/saml2"
    assert admin.put(proto, json={"protocol": {"mapping_id": "missing"}}).status_code == 400
    resp = admin.put(proto, json={"protocol": {"mapping_id": mapping_id}})
    assert resp.status_code == 201, resp.text
    assert resp.json()["protocol"]["links"]["identity_provider"].endswith(f"identity_providers/{idp_id}")
    listed = admin.get(f"{FED}/identity_providers/{idp_id}/protocols").json()["protocols"]
    assert [p["id"] for p in listed] == ["saml2"]
    assert admin.get(proto).json()["protocol"]["mapping_id"] == mapping_id
    assert admin.put(f"{FED}/identity_providers/missing/protocols/saml2",
                     json={"protocol": {"mapping_id": mapping_id}}).status_code == 404
    assert admin.delete(f"{FED}/identity_providers/{idp_id}").status_code == 204
    assert admin.get(proto).status_code == 404
    assert admin.delete(f"{FED}/mappings/{mapping_id}").status_code == 204
    assert admin.get(f"{FED}/mappings/{mapping_id}").status_code == 404


def test_service_providers_and_refusals(admin: Api, member: Api) -> None:
    sp_id = f"sp-{uuid.uuid4().hex[:8]}"
    url = f"{FED}/service_providers/{sp_id}"
    assert admin.put(url, json={"service_provider": {"auth_url": "https://sp/v3"}}).status_code == 400
    assert admin.put(url, json={"service_provider": {"auth_url": "not a url",
                                                     "sp_url": "https://sp/ecp"}}).status_code == 400
    resp = admin.put(url, json={"service_provider": {"auth_url": "https://sp/v3", "sp_url": "https://sp/ecp"}})
    assert resp.status_code == 201, resp.text
    sp = resp.json()["service_provider"]
    assert (sp["enabled"], sp["relay_state_prefix"]) == (False, "ss:mem:")
    assert admin.patch(url, json={"service_provider": {"enabled": True}}).json()["service_provider"]["enabled"] is True
    assert admin.put(f"{FED}/service_providers/bad%20id", json={"service_provider": {
        "auth_url": "https://sp/v3", "sp_url": "https://sp/ecp"}}).status_code == 400
    assert member.get(f"{FED}/service_providers").status_code == 403
    assert member.put(f"{FED}/mappings/m", json={"mapping": {"rules": RULES}}).status_code == 403
    assert admin.delete(url).status_code == 204
    assert admin.delete(url).status_code == 404
