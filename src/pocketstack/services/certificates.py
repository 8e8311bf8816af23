"""os-certificates: a certificate authority per project, made with `cryptography` on first use.
Its key and certificate are one PEM file under the data directory (`ca/<project>.pem`, 0600),
created atomically (a link of a finished file, so processes racing to make it agree on one).
POST makes a key pair for the caller and a certificate signed by the project's CA, which
`openssl verify -CAfile root.pem` accepts. Nothing else is stored: the caller keeps the key."""

from __future__ import annotations

import asyncio
import datetime
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from pocketstack.services.caller import Caller
from pocketstack.services.cloud import Cloud
from pocketstack.services.policy import authorize

if TYPE_CHECKING:
    from cryptography import x509

# cryptography's X.509 modules (about 1 MB in each process) are imported by the functions that
# use them, at the first request for a certificate.

RULE = "compute:os-certificates"
CA_DAYS = 3650
CERT_DAYS = 365
_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


@dataclass(frozen=True, slots=True)
class Issued:
    certificate: str
    private_key: str


@dataclass(frozen=True, slots=True)
class _Ca:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def _ca_path(cloud: Cloud, project_id: str) -> Path:
    return cloud.settings.data_dir / "ca" / f"{_SAFE.sub('_', project_id)}.pem"


def _name(*parts: tuple[x509.ObjectIdentifier, str]) -> x509.Name:
    from cryptography import x509

    return x509.Name([x509.NameAttribute(oid, value) for oid, value in parts])


def _new_ca(project_id: str) -> bytes:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    subject = _name((NameOID.ORGANIZATION_NAME, "pocketstack"),
                    (NameOID.ORGANIZATIONAL_UNIT_NAME, "project CA"),
                    (NameOID.COMMON_NAME, f"project-ca-{project_id}"[:64]))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=True,
                                         encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)


def _load_or_make_ca(path: Path, project_id: str) -> _Ca:
    from cryptography import x509

    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_new_ca(project_id))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another request or process made it first: use theirs
        finally:
            tmp.unlink(missing_ok=True)
    data = path.read_bytes()
    key = serialization.load_pem_private_key(data, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return _Ca(key, x509.load_pem_x509_certificate(data[data.index(b"-----BEGIN CERTIFICATE-----"):]))


def _issue(ca: _Ca, project_id: str, user_id: str) -> Issued:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    subject = _name((NameOID.ORGANIZATION_NAME, "pocketstack"),
                    (NameOID.ORGANIZATIONAL_UNIT_NAME, project_id[:64]),
                    (NameOID.COMMON_NAME, f"{user_id}-{stamp}"[:64]))
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=CERT_DAYS))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()),
                           critical=False)
            .sign(ca.key, hashes.SHA256()))
    private = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return Issued(cert.public_bytes(serialization.Encoding.PEM).decode(), private.decode())


def _project(caller: Caller) -> str:
    project = caller.auth.project_id
    assert project is not None  # the "member" rule refuses unscoped tokens
    return project


async def root_certificate(cloud: Cloud, caller: Caller) -> str:
    """The caller's project CA certificate (PEM)."""
    authorize(caller, RULE)
    project = _project(caller)
    ca = await asyncio.to_thread(_load_or_make_ca, _ca_path(cloud, project), project)
    return ca.cert.public_bytes(serialization.Encoding.PEM).decode()


async def create_certificate(cloud: Cloud, caller: Caller) -> Issued:
    """A new key pair for the caller and its certificate signed by the project's CA."""
    authorize(caller, RULE)
    project = _project(caller)
    path = _ca_path(cloud, project)

    def work() -> Issued:
        return _issue(_load_or_make_ca(path, project), project, caller.auth.user_id)

    return await asyncio.to_thread(work)
