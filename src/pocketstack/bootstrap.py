"""First start: the default domain, roles, the admin and demo accounts, the m1 flavors, the
cirros images, the private/public networks and router1 joining them. Idempotent: a bootstrapped database is left alone."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml
from sqlalchemy import select

from pocketstack.db.engine import Database
from pocketstack.db.models import (
    DomainRow,
    FixedIpRow,
    FlavorRow,
    ImageRow,
    NetworkRow,
    PortRow,
    ProjectRow,
    RouterRow,
    SecretRow,
    SecurityGroupRow,
    SubnetRow,
)
from pocketstack.services import identity, metadefs, sg_templates, volume_types
from pocketstack.services.passwords import Passwords
from pocketstack.settings import Settings
from pocketstack.timeutil import utcnow

BOOTSTRAPPED = "bootstrapped"

# name, id, ram MB, vcpus, disk GB: the standard OpenStack sizes.
FLAVORS = [
    ("m1.tiny", "1", 512, 1, 1),
    ("m1.small", "2", 2048, 1, 20),
    ("m1.medium", "3", 4096, 2, 40),
    ("m1.large", "4", 8192, 4, 80),
    ("m1.xlarge", "5", 16384, 8, 160),
]

# Stable ids so that examples and docs can name them.
CIRROS_KERNEL_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0001"
CIRROS_RAMDISK_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0002"
CIRROS_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0003"
PRIVATE_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000001"
PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"
PRIVATE_SUBNET_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000011"
PUBLIC_SUBNET_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000012"
# The qemu driver's guest (drivers/qemu_guest.py), added when the cloud runs that driver.
GUEST_KERNEL_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400001"
GUEST_RAMDISK_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400002"
GUEST_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400003"
GUEST_NAME = "pocketstack-guest"
ROUTER_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000021"
ROUTER_GATEWAY_PORT_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000022"


class State(Protocol):
    """What the bootstrap needs of a running cloud's state (services.cloud.Cloud has it, and so does the
    light one `pocketstack serve` prepares with before any API module is imported)."""

    settings: Settings
    db: Database
    passwords: Passwords


@dataclass(frozen=True)
class Credentials:
    admin_password: str
    demo_password: str
    admin_project_id: str
    demo_project_id: str


async def bootstrap(state: State) -> Credentials | None:
    """Populate an empty database; return the new credentials, or None if already done."""
    settings = state.settings
    async with state.db.session() as s:
        if await s.get(SecretRow, BOOTSTRAPPED) is not None:
            return None
        admin_password = settings.admin_password or secrets.token_urlsafe(12)
        demo_password = settings.demo_password or secrets.token_urlsafe(12)
        if await s.get(DomainRow, identity.DEFAULT_DOMAIN_ID) is None:
            await identity.create_domain(s, "Default", domain_id=identity.DEFAULT_DOMAIN_ID,
                                         description="The default domain")
        roles = {}
        # Keystone's bootstrap roles; `manager` is the project manager of Nova's policy
        # defaults (Tempest's project_manager credentials are granted it).
        for name in ("admin", "manager", "member", "reader", "service"):
            roles[name] = await identity.find_role_by_name(s, name) or await identity.create_role(s, name)
        admin_project = await identity.create_project(s, "admin", description="Bootstrap project for the cloud's administrators")
        demo_project = await identity.create_project(s, "demo", description="A project for a first try")
        await identity.create_project(s, "service", description="Project for service users")
        admin = await identity.create_user(s, "admin", await state.passwords.hash(admin_password),
                                           default_project_id=admin_project.id)
        demo = await identity.create_user(s, "demo", await state.passwords.hash(demo_password),
                                          default_project_id=demo_project.id)
        for role in ("admin", "member", "reader"):
            await identity.assign_role(s, admin.id, roles[role].id, project_id=admin_project.id)
            await identity.assign_role(s, admin.id, roles[role].id, domain_id=identity.DEFAULT_DOMAIN_ID)
            # As keystone-manage bootstrap: the admin also holds its roles on the system.
            await identity.assign_role(s, admin.id, roles[role].id, domain_id=identity.SYSTEM)
        for role in ("member", "reader"):
            await identity.assign_role(s, demo.id, roles[role].id, project_id=demo_project.id)
        now = utcnow()
        for name, flavor_id, ram, vcpus, disk in FLAVORS:
            s.add(FlavorRow(id=flavor_id, name=name, ram=ram, vcpus=vcpus, disk=disk, ephemeral=0,
                            swap=0, rxtx_factor=1.0, is_public=True, disabled=False,
                            extra_specs={}, created_at=now))
        _add_images(s, settings.data_dir, admin_project.id)
        s.add(volume_types.default_type_row())
        public = _public_range(settings)
        _add_networks(s, admin_project.id, public)
        await s.flush()
        addresses = _add_router(s, admin_project.id, public)
        await s.flush()  # the ports before their addresses
        s.add_all(addresses)
        sg_templates.seed(s)
        for project in (admin_project, demo_project):
            s.add(SecurityGroupRow(id=str(uuid.uuid4()), project_id=project.id, name="default",
                                   description="Default security group", created_at=now))
        await metadefs.seed_definitions(s, owner="admin")
        s.add(SecretRow(name=BOOTSTRAPPED, value=now.isoformat()))
    return Credentials(admin_password, demo_password, admin_project.id, demo_project.id)


def _image_blob(data_dir: Path, image_id: str, content: bytes) -> tuple[str, int, str, str]:
    images = data_dir / "images"
    images.mkdir(parents=True, exist_ok=True)
    (images / image_id).write_bytes(content)
    return (f"images/{image_id}", len(content), hashlib.md5(content).hexdigest(),
            hashlib.sha512(content).hexdigest())


def _add_images(s: object, data_dir: Path, owner: str) -> None:
    now = utcnow()
    specs = [
        (CIRROS_KERNEL_ID, "cirros-0.6.2-x86_64-kernel", "aki", "aki", {}),
        (CIRROS_RAMDISK_ID, "cirros-0.6.2-x86_64-ramdisk", "ari", "ari", {}),
        (CIRROS_ID, "cirros", "qcow2", "bare",
         {"kernel_id": CIRROS_KERNEL_ID, "ramdisk_id": CIRROS_RAMDISK_ID,
          "hw_architecture": "x86_64", "os_distro": "cirros"}),
    ]
    for image_id, name, disk_format, container_format, properties in specs:
        # A small deterministic payload: the fake driver never reads it.
        content = hashlib.sha256(name.encode()).digest() * 512
        location, size, md5, sha512 = _image_blob(data_dir, image_id, content)
        s.add(ImageRow(  # type: ignore[attr-defined]
            id=image_id, name=name, status="active", visibility="public", owner=owner,
            container_format=container_format, disk_format=disk_format, size=size,
            virtual_size=None, checksum=md5, os_hash_algo="sha512", os_hash_value=sha512,
            min_disk=0, min_ram=0, protected=False, properties=properties, tags=[],
            location=location, created_at=now, updated_at=now))


async def add_guest_images(state: State) -> bool:
    """Build the qemu driver's guest from Debian packages (once; cached in the data directory)
    and add its kernel (aki), ramdisk (ari) and disk (ami, qcow2, with kernel_id and
    ramdisk_id) as public images. Idempotent; True when the images were added now."""
    import asyncio

    from pocketstack.drivers import qemu_guest

    async with state.db.session() as s:
        if await s.get(ImageRow, GUEST_ID) is not None:
            return False
    files = await asyncio.to_thread(qemu_guest.build, state.settings.data_dir / "qemu" / "guest")
    now = utcnow()
    async with state.db.session() as s:
        if await s.get(ImageRow, GUEST_ID) is not None:
            return False
        owner = await s.scalar(select(ProjectRow.id).where(ProjectRow.name == "admin")) or ""
        for image_id, name, disk_format, path, properties in (
                (GUEST_KERNEL_ID, f"{GUEST_NAME}-kernel", "aki", files.kernel, {}),
                (GUEST_RAMDISK_ID, f"{GUEST_NAME}-ramdisk", "ari", files.ramdisk, {}),
                (GUEST_ID, GUEST_NAME, "qcow2", files.root,
                 {"kernel_id": GUEST_KERNEL_ID, "ramdisk_id": GUEST_RAMDISK_ID,
                  "hw_architecture": "x86_64", "os_distro": "debian",
                  "os_admin_user": qemu_guest.LOGIN_USER})):
            content = await asyncio.to_thread(path.read_bytes)
            location, size, md5, sha512 = _image_blob(state.settings.data_dir, image_id, content)
            container = "bare" if disk_format == "qcow2" else disk_format
            s.add(ImageRow(
                id=image_id, name=name, status="active", visibility="public", owner=owner,
                container_format=container, disk_format=disk_format, size=size,
                virtual_size=None, checksum=md5, os_hash_algo="sha512", os_hash_value=sha512,
                min_disk=0, min_ram=qemu_guest.MIN_RAM_MB, protected=False,
                properties=properties, tags=[], location=location, created_at=now,
                updated_at=now))
    return True


def _public_range(settings: Settings) -> tuple[str, str, str, str]:
    """The public network's cidr, gateway and pool (start, end): devstack's 172.24.4.0/24, or
    with the qemu driver a loopback range (settings.qemu.public_cidr), whose floating IPs the
    agent forwards to their guests."""
    if settings.driver != "qemu":
        return "172.24.4.0/24", "172.24.4.1", "172.24.4.2", "172.24.4.254"
    import ipaddress

    net = ipaddress.ip_network(settings.qemu.public_cidr, strict=False)
    return str(net), str(net[1]), str(net[2]), str(net[-2])


def _add_networks(s: object, owner: str, public: tuple[str, str, str, str]) -> None:
    now = utcnow()
    add = s.add  # type: ignore[attr-defined]
    add(NetworkRow(id=PRIVATE_NETWORK_ID, name="private", project_id=owner, status="ACTIVE",
                   admin_state_up=True, shared=True, external=False, mtu=1450, description="",
                   created_at=now, updated_at=now))
    add(SubnetRow(id=PRIVATE_SUBNET_ID, network_id=PRIVATE_NETWORK_ID, project_id=owner,
                  name="private-subnet", cidr="10.0.0.0/22", ip_version=4, gateway_ip="10.0.0.1",
                  enable_dhcp=True, allocation_pools=[{"start": "10.0.0.2", "end": "10.0.3.254"}],
                  dns_nameservers=[], host_routes=[], description="", created_at=now, updated_at=now))
    add(NetworkRow(id=PUBLIC_NETWORK_ID, name="public", project_id=owner, status="ACTIVE",
                   admin_state_up=True, shared=False, external=True, is_default=True, mtu=1500,
                   description="", created_at=now, updated_at=now))
    add(SubnetRow(id=PUBLIC_SUBNET_ID, network_id=PUBLIC_NETWORK_ID, project_id=owner,
                  name="public-subnet", cidr=public[0], ip_version=4, gateway_ip=public[1],
                  enable_dhcp=False, allocation_pools=[{"start": public[2], "end": public[3]}],
                  dns_nameservers=[], host_routes=[], description="", created_at=now, updated_at=now))


def _add_router(s: object, owner: str, public: tuple[str, str, str, str]) -> list[FixedIpRow]:
    """router1 joins private to public, as devstack's does: floating IPs of public reach the
    servers on private. Its interface holds private's gateway, its gateway port the first
    address of public's pool. Returns the addresses, to add once the ports are in."""
    now = utcnow()
    add = s.add  # type: ignore[attr-defined]
    addresses = []
    add(RouterRow(id=ROUTER_ID, project_id=owner, name="router1", description="",
                  admin_state_up=True, status="ACTIVE", gw_port_id=ROUTER_GATEWAY_PORT_ID,
                  enable_snat=True, routes=[], revision_number=1, created_at=now, updated_at=now))
    for port_id, network_id, project_id, owner_kind, subnet_id, address in (
            (ROUTER_GATEWAY_PORT_ID, PUBLIC_NETWORK_ID, "", "gateway", PUBLIC_SUBNET_ID, public[2]),
            (str(uuid.uuid4()), PRIVATE_NETWORK_ID, owner, "interface", PRIVATE_SUBNET_ID, "10.0.0.1")):
        add(PortRow(id=port_id, network_id=network_id, project_id=project_id, name="",
                    device_id=ROUTER_ID, device_owner=f"network:router_{owner_kind}",
                    mac_address="fa:16:3e:" + ":".join(f"{b:02x}" for b in secrets.token_bytes(3)),
                    status="ACTIVE", admin_state_up=True, description="", security_groups=[],
                    revision_number=1, created_at=now, updated_at=now))
        addresses.append(FixedIpRow(port_id=port_id, subnet_id=subnet_id, ip_address=address))
    return addresses


def clouds_yaml(state: State, creds: Credentials) -> dict[str, object]:
    settings = state.settings

    def cloud(user: str, password: str, project: str) -> dict[str, object]:
        return {
            "auth": {
                "auth_url": f"{settings.base_url}/identity/v3",
                "username": user,
                "password": password,
                "project_name": project,
                "user_domain_name": "Default",
                "project_domain_name": "Default",
            },
            "region_name": settings.region,
            "interface": "public",
            "identity_api_version": 3,
        }

    return {"clouds": {
        "pocketstack-admin": cloud("admin", creds.admin_password, "admin"),
        "pocketstack": cloud("demo", creds.demo_password, "demo"),
    }}


def write_clouds_yaml(state: State, creds: Credentials) -> Path:
    path = state.settings.data_dir / "clouds.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(clouds_yaml(state, creds), sort_keys=False))
    path.chmod(0o600)
    return path
