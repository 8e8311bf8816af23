"""os-certificates over real HTTP (legacy /v2): the project's CA certificate, a key pair with a
certificate that `openssl verify` accepts against it, the CA key 0600 under the data
directory, one CA per project, 501 for any id but root, and 410 under /v2.1."""

from __future__ import annotations

import stat
import subprocess
from pathlib import Path

from cryptography import x509

from tests.api.compute_golden import assert_same_shape, golden
from tests.live import Api, LiveCloud


def _v2(api: Api) -> str:
    return f"/compute/v2/{api.project_id}"


def test_root_certificate_is_a_ca(member: Api) -> None:
    resp = member.get(_v2(member) + "/os-certificates/root")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_same_shape(golden("nova2013_certificate_root.json"), {
        "certificate": {**body["certificate"], "private_key": None}})
    assert body["certificate"]["private_key"] is None
    cert = x509.load_pem_x509_certificate(body["certificate"]["data"].encode())
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert member.project_id in cert.subject.rfc4514_string()
    # The same CA on every read.
    assert member.get(_v2(member) + "/os-certificates/root").json() == body


def test_issued_certificate_verifies_against_the_root(cloud: LiveCloud, member: Api,
                                                      tmp_path: Path) -> None:
    resp = member.post(_v2(member) + "/os-certificates")
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert_same_shape(golden("nova2013_certificate_create.json"), body)
    issued = body["certificate"]
    assert issued["private_key"].startswith("-----BEGIN RSA PRIVATE KEY-----")
    root = member.get(_v2(member) + "/os-certificates/root").json()["certificate"]["data"]
    (tmp_path / "root.pem").write_text(root)
    (tmp_path / "cert.pem").write_text(issued["data"])
    (tmp_path / "key.pem").write_text(issued["private_key"])
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "root.pem"),
                               str(tmp_path / "cert.pem")], capture_output=True, text=True)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.strip().endswith(": OK")
    # The private key is the certificate's.
    modulus = [subprocess.run(["openssl", kind, "-noout", "-modulus", "-in", str(tmp_path / name)],
                              capture_output=True, text=True, check=True).stdout
               for kind, name in (("x509", "cert.pem"), ("rsa", "key.pem"))]
    assert modulus[0] == modulus[1]
    cert = x509.load_pem_x509_certificate(issued["data"].encode())
    assert member.user_id in cert.subject.rfc4514_string()
    # The CA's key is private to the service.
    files = list((cloud.data_dir / "ca").glob("*.pem"))
    assert files
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in files)


def test_each_project_has_its_own_ca(member: Api, other_member: Api, tmp_path: Path) -> None:
    ours = member.get(_v2(member) + "/os-certificates/root").json()["certificate"]["data"]
    theirs = other_member.get(_v2(other_member) + "/os-certificates/root").json()["certificate"]["data"]
    assert ours != theirs
    (tmp_path / "theirs.pem").write_text(theirs)
    (tmp_path / "cert.pem").write_text(
        member.post(_v2(member) + "/os-certificates").json()["certificate"]["data"])
    refused = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "theirs.pem"),
                              str(tmp_path / "cert.pem")], capture_output=True, text=True)
    assert refused.returncode != 0


def test_only_root_can_be_shown(member: Api) -> None:
    resp = member.get(_v2(member) + "/os-certificates/something")
    assert resp.status_code == 501
    assert resp.json()["notImplemented"]["message"] == "Only root certificate can be retrieved."


def test_gone_under_v21(member: Api) -> None:
    assert member.get("/compute/v2.1/os-certificates/root").status_code == 410
    assert member.post("/compute/v2.1/os-certificates").status_code == 410


def test_unauthenticated_is_refused(cloud: LiveCloud, member: Api) -> None:
    import httpx

    resp = httpx.get(cloud.base_url + _v2(member) + "/os-certificates/root")
    assert resp.status_code == 401
