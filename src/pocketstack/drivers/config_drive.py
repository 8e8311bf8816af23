"""The config drive every driver hands its guest: Nova's `config-2` layout, built from the
instance spec alone (plain data, so both drivers share it).

    openstack/latest/meta_data.json     uuid, name, hostname, meta, keys, admin_pass, files
    openstack/latest/network_data.json  links (one per NIC), networks (its addresses), services
    openstack/latest/vendor_data.json   {}
    openstack/latest/user_data          the server's user data, when it has some
    openstack/content/0000 ...          the personality files, listed in meta_data "files"

ISO 9660 with Joliet and Rock Ridge, volume label config-2 (Nova's default, written with
pycdlib: no external tool), or vfat (Nova's config_drive_format=vfat; needs mkfs.vfat and
mcopy from dosfstools and mtools)."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Literal

from pocketstack.drivers.base import DriverError, InstanceSpec

LABEL = "config-2"
Format = Literal["iso9660", "vfat"]
VFAT_SIZE_MB = 64


def meta_data(spec: InstanceSpec) -> dict[str, Any]:
    """openstack/latest/meta_data.json of the guest (without its personality files' list)."""
    meta: dict[str, Any] = {
        "uuid": spec.server_id, "name": spec.display_name, "hostname": spec.hostname,
        "launch_index": 0, "availability_zone": "nova", "meta": dict(spec.metadata),
        "devices": [],
    }
    if spec.admin_password:
        meta["admin_pass"] = spec.admin_password
    if spec.key_data:
        meta["public_keys"] = {"default": spec.key_data}
        meta["keys"] = [{"name": "default", "type": "ssh", "data": spec.key_data}]
    return meta


def network_data(spec: InstanceSpec) -> dict[str, Any]:
    """openstack/latest/network_data.json: a link per NIC, a network per address on it."""
    links: list[dict[str, Any]] = []
    networks: list[dict[str, Any]] = []
    for i, nic in enumerate(spec.nics):
        link = f"tap{i}"
        links.append({"id": link, "type": "phy", "ethernet_mac_address": nic.mac, "mtu": 1500,
                      "vif_id": nic.network_id})
        for j, address in enumerate(nic.addresses):
            networks.append({"id": f"network{len(networks)}", "link": link,
                             "type": "ipv6" if ":" in address else "ipv4",
                             "ip_address": address, "network_id": nic.network_id,
                             **({} if j else {"network_name": nic.network_name})})
    return {"links": links, "networks": networks, "services": []}


def tree(meta: dict[str, Any], user_data: bytes | None, network: dict[str, Any] | None = None,
         files: tuple[tuple[str, bytes], ...] = ()) -> dict[str, bytes]:
    """Every file of the drive, by its path on the drive."""
    meta = dict(meta)
    content: dict[str, bytes] = {}
    if files:
        meta["files"] = []
        for i, (path, data) in enumerate(files):
            name = f"{i:04d}"
            meta["files"].append({"path": path, "content_path": f"/content/{name}"})
            content[f"openstack/content/{name}"] = data
    found = {
        # One top-level key per line: the qemu guest reads it with sed.
        "openstack/latest/meta_data.json": json.dumps(meta, indent=1, ensure_ascii=False).encode(),
        "openstack/latest/network_data.json": json.dumps(
            network or {"links": [], "networks": [], "services": []}).encode(),
        "openstack/latest/vendor_data.json": b"{}",
    }
    if user_data is not None:
        found["openstack/latest/user_data"] = user_data
    found.update(content)
    return found


def write(out: Path, meta: dict[str, Any], user_data: bytes | None, *,
          network: dict[str, Any] | None = None, files: tuple[tuple[str, bytes], ...] = (),
          fmt: Format = "iso9660") -> list[str]:
    """Build the drive at `out` (replacing it); the paths it holds."""
    contents = tree(meta, user_data, network, files)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        if fmt == "vfat":
            _vfat(contents, tmp)
        else:
            _iso(contents, tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return sorted(contents)


def for_spec(out: Path, spec: InstanceSpec, fmt: Format = "iso9660") -> list[str]:
    """The drive of an instance spec: its meta data, network data, user data and files."""
    return write(out, meta_data(spec), spec.user_data, network=network_data(spec),
                 files=spec.files, fmt=fmt)


def _iso(contents: dict[str, bytes], out: Path) -> None:
    import pycdlib  # imported on first use: most processes never build a drive

    iso = pycdlib.PyCdlib()
    iso.new(interchange_level=4, joliet=3, rock_ridge="1.09", vol_ident=LABEL)
    made: set[str] = set()
    try:
        for path in sorted(contents):
            parts = path.split("/")
            for depth in range(1, len(parts)):
                directory = "/".join(parts[:depth])
                if directory not in made:
                    made.add(directory)
                    iso.add_directory(_iso_name(directory), rr_name=parts[depth - 1],
                                      joliet_path="/" + directory)
            data = contents[path]
            iso.add_fp(io.BytesIO(data), len(data), _iso_name(path), rr_name=parts[-1],
                       joliet_path="/" + path)
        iso.write(str(out))
    except pycdlib.pycdlibexception.PyCdlibException as err:
        raise DriverError(f"The config drive could not be built: {err}") from err
    finally:
        iso.close()


def _iso_name(path: str) -> str:
    """The ISO 9660 name of a path (level 4 takes any name; the others read Rock Ridge)."""
    return "/" + path.upper()


def _vfat(contents: dict[str, bytes], out: Path) -> None:
    if shutil.which("mkfs.vfat") is None or shutil.which("mcopy") is None:
        raise DriverError("A vfat config drive needs mkfs.vfat (dosfstools) and mcopy (mtools).")
    with tempfile.TemporaryDirectory() as work:
        root = Path(work)
        for path, data in contents.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_bytes(data)
        with open(out, "wb") as f:
            f.truncate(VFAT_SIZE_MB * 1024 * 1024)
        try:
            subprocess.run(["mkfs.vfat", "-n", LABEL, str(out)], check=True, capture_output=True)
            subprocess.run(["mcopy", "-s", "-i", str(out), str(root / "openstack"), "::"],
                           check=True, capture_output=True)
        except subprocess.CalledProcessError as err:
            raise DriverError(f"The vfat config drive could not be built: {err.stderr!r}") from err


def read_iso(path: Path) -> dict[str, bytes]:
    """The files of an ISO config drive, by path (Rock Ridge names), for the fake guest."""
    import pycdlib

    iso = pycdlib.PyCdlib()
    iso.open(str(path))
    found: dict[str, bytes] = {}
    try:
        for dirname, _dirs, names in iso.walk(rr_path="/"):
            for name in names:
                full = f"{dirname.rstrip('/')}/{name}"
                buffer = io.BytesIO()
                iso.get_file_from_iso_fp(buffer, rr_path=full)
                found[full.lstrip("/")] = buffer.getvalue()
    finally:
        iso.close()
    return found
