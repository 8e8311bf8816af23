"""Run a Tempest stage against a fresh live pocketstack: `python -m tests.tempest_run stage1`."""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx

from tests.helpers import CIRROS_ID
from tests.live import ADMIN_PASSWORD, LiveCloud, free_port, login, start_cloud

REPO = Path(__file__).resolve().parents[1]
CIRROS_KERNEL_ID = "6b3a1b8e-0a3e-4f6c-9a59-0c1f1c0b0001"
# The qemu driver's guest image (bootstrap.add_guest_images).
QEMU_GUEST_ID = "7c4b2c9f-1b4f-4a7d-8b6a-1d2e3f400003"
# Tempest's validation against the qemu driver's guests: SSH as `guest` with the server's key
# pair to its floating IP (a loopback address the agent forwards to the guest).
VALIDATION_CONF = """[validation]
run_validation = true
connect_method = floating
auth_method = keypair
image_ssh_user = guest
image_alt_ssh_user = guest
security_group = true
security_group_rules = true
ip_version_for_ssh = 4
network_for_ssh = private
ssh_timeout = 300
connect_timeout = 60
"""
PUBLIC_NETWORK_ID = "2f9a8e0c-5d2b-4b8e-9f4e-6a1c0d000002"

# stage -> run.sh selection and options
STAGES: dict[str, list[str]] = {
    "stage1": ["--include-list", "stage1.txt"],
    "stage2": ["--include-list", "stage2.txt", "--exclude-list", "exclude-no-neutron.txt"],
    "stage3": ["--include-list", "stage3.txt", "--exclude-list", "exclude-no-neutron.txt",
               "--serial"],
}


def harness_dir() -> Path:
    """The shared Tempest harness: beside the repository, else the machine's copy."""
    for candidate in (REPO.parent / "shared" / "tempest", Path("/work/shared/tempest")):
        if (candidate / "run.sh").is_file():
            return candidate
    raise SystemExit("tempest_run: no harness at ../shared/tempest or /work/shared/tempest")


def upload_alt_image(cloud: LiveCloud) -> str:
    """A second active public image through Glance v2 (falls back to the cirros kernel)."""
    api = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        resp = api.post("/image/v2/images", json={
            "name": "cirros-alt", "container_format": "bare", "disk_format": "qcow2",
            "visibility": "public"})
        if resp.status_code != 201:
            print(f"tempest_run: image create answered {resp.status_code}; "
                  f"TEMPEST_IMAGE_REF_ALT is the cirros kernel image", flush=True)
            return CIRROS_KERNEL_ID
        image_id = str(resp.json()["id"])
        data = hashlib.sha256(b"cirros-alt").digest() * 512
        resp = api.put(f"/image/v2/images/{image_id}/file", content=data,
                       headers={"Content-Type": "application/octet-stream"})
        status = api.get(f"/image/v2/images/{image_id}").json().get("status")
        if resp.status_code != 204 or status != "active":
            print(f"tempest_run: image upload answered {resp.status_code} (status {status}); "
                  f"TEMPEST_IMAGE_REF_ALT is the cirros kernel image", flush=True)
            return CIRROS_KERNEL_ID
        return image_id
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        print(f"tempest_run: image upload failed ({exc!r}); "
              f"TEMPEST_IMAGE_REF_ALT is the cirros kernel image", flush=True)
        return CIRROS_KERNEL_ID
    finally:
        api.close()


def upload_alt_guest_image(cloud: LiveCloud) -> str:
    """With the qemu driver: a second bootable image, a copy of the guest's disk with the same
    kernel_id and ramdisk_id (Tempest boots and rebuilds servers with image_ref_alt)."""
    api = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        guest = api.get(f"/image/v2/images/{QEMU_GUEST_ID}").json()
        data = api.get(f"/image/v2/images/{QEMU_GUEST_ID}/file").content
        resp = api.post("/image/v2/images", json={
            "name": "pocketstack-guest-alt", "container_format": "bare", "disk_format": "qcow2",
            "visibility": "public", "min_ram": guest["min_ram"],
            **{key: guest[key] for key in ("kernel_id", "ramdisk_id", "os_admin_user")}})
        resp.raise_for_status()
        image_id = str(resp.json()["id"])
        api.put(f"/image/v2/images/{image_id}/file", content=data,
                headers={"Content-Type": "application/octet-stream"}).raise_for_status()
        return image_id
    finally:
        api.close()


def network_extensions(cloud: LiveCloud) -> str:
    """The aliases the cloud lists at GET /network/v2.0/extensions, comma-separated.

    A deployment configures [network-feature-enabled] api_extensions with the extensions it
    enables; 'all' would make Tempest run the tests of extensions this cloud does not serve.
    """
    api = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    try:
        resp = api.get("/network/v2.0/extensions")
        resp.raise_for_status()
        return ",".join(sorted(str(ext["alias"]) for ext in resp.json()["extensions"]))
    finally:
        api.close()


def tempest_env(cloud: LiveCloud, image_alt: str) -> dict[str, str]:
    """OS_* and TEMPEST_* for gen_conf.py; variables already set in the environment win."""
    env = dict(os.environ)
    env.update({
        "OS_AUTH_URL": cloud.auth_url,
        "OS_USERNAME": "admin",
        "OS_PASSWORD": ADMIN_PASSWORD,
        "OS_PROJECT_NAME": "admin",
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
        "OS_IDENTITY_API_VERSION": "3",
        "OS_REGION_NAME": "RegionOne",
    })
    defaults = {
        "TEMPEST_IMAGE_REF": CIRROS_ID,
        "TEMPEST_IMAGE_REF_ALT": image_alt,
        "TEMPEST_FLAVOR_REF": "1",
        "TEMPEST_FLAVOR_REF_ALT": "2",
        "TEMPEST_SERVICES": "nova,glance,neutron,cinder",
        "TEMPEST_ISOLATED_NETWORKS": "0",
        "TEMPEST_BUILD_TIMEOUT": "60",
        "TEMPEST_FLOATING_NETWORK_NAME": "public",
        # a deployment's [compute] fixed_network_name: the bootstrap's shared network
        "TEMPEST_FIXED_NETWORK_NAME": "private",
        "TEMPEST_PUBLIC_NETWORK_ID": PUBLIC_NETWORK_ID,
    }
    for name, value in defaults.items():
        env.setdefault(name, value)
    if "TEMPEST_NETWORK_EXTENSIONS" not in env and "neutron" in env["TEMPEST_SERVICES"].split(","):
        env["TEMPEST_NETWORK_EXTENSIONS"] = network_extensions(cloud)
    if "TEMPEST_EXTRA_CONF" not in env:
        env["TEMPEST_EXTRA_CONF"] = str(extra_conf(cloud, "cinder" in env["TEMPEST_SERVICES"].split(",")))
    return env


# What the Image API offers beyond gen_conf.py's defaults: its cache API, and no inspection
# of image data (Tempest's listing tests upload data that is no real disk format).
IMAGE_FEATURES = """[image]
image_caching_enabled = true

[image-feature-enabled]
image_format_enforcement = false
"""


# [volume] settings as a deployment writes them for its back-end: the microversions the Block
# Storage API serves, and the vendor and protocol its pools report (which Tempest's volume
# types ask for in their extra specs).
VOLUME_CONF = """
[volume]
min_microversion = 3.0
max_microversion = latest
vendor_name = pocketstack
storage_protocol = file
"""


MULTIATTACH_TYPE = "multiattach"


def multiattach_conf(cloud: LiveCloud) -> str:
    """A public volume type with multiattach="<is> True" (as a deployment makes one), named
    to Tempest with compute's volume_multiattach feature."""
    admin = login(cloud, "admin", ADMIN_PASSWORD, "admin")
    resp = admin.post(f"/volume/v3/{admin.project_id}/types", json={"volume_type": {
        "name": MULTIATTACH_TYPE, "extra_specs": {"multiattach": "<is> True"}}})
    if resp.status_code != 200:
        raise RuntimeError(f"multiattach type: {resp.status_code} {resp.text}")
    return (f"volume_type_multiattach = {MULTIATTACH_TYPE}\n"
            "[compute-feature-enabled]\nvolume_multiattach = True\n")


def extra_conf(cloud: LiveCloud, volume: bool) -> Path:
    """The ini fragment beyond gen_conf.py: the image features, and [volume] with cinder."""
    path = cloud.data_dir / "tempest-extra.ini"
    path.write_text(IMAGE_FEATURES + (VOLUME_CONF + multiattach_conf(cloud) if volume else ""))
    return path


def run_harness(harness: Path, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run run.sh, echoing its output; return its status, workspace and last non-empty line."""
    last = workspace = ""
    with subprocess.Popen([str(harness / "run.sh"), *args], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, bufsize=1) as proc:
        assert proc.stdout is not None
        for line in proc.stdout:
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith("workspace: "):
                workspace = line.split(": ", 1)[1].strip()
            if line.strip():
                last = line.rstrip("\n")
    return proc.returncode, workspace, last


def _end_guests(data_dir: Path) -> None:
    """Guests outlive the cloud's process: end and remove any a run left behind."""
    import asyncio

    from pocketstack.drivers.qemu import QemuDriver
    from pocketstack.settings import QemuDriverSettings

    driver = QemuDriver(QemuDriverSettings())
    driver.use_data_dir(data_dir)

    async def destroy_all() -> None:
        for name in await driver.guests():
            await driver.destroy(name)

    asyncio.run(destroy_all())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.tempest_run",
                                     description="Tempest against a fresh live pocketstack.")
    parser.add_argument("stage", choices=sorted(STAGES), nargs="?", default="stage1")
    parser.add_argument("--details", default="20", help="failure reasons to print (run.sh --details)")
    parser.add_argument("--regex", help="run this stestr regex instead of the stage's list")
    parser.add_argument("--keep", action="store_true", help="keep the cloud's data directory")
    parser.add_argument("--driver", choices=("fake", "qemu"), default="fake",
                        help="the cloud's driver (qemu: real guests of the pocketstack-guest "
                             "image, flavor 1)")
    parser.add_argument("--validation", action="store_true",
                        help="with --driver qemu: [validation] on (SSH with a key pair to a "
                             "floating IP, user guest)")
    opts = parser.parse_args(argv)

    harness = harness_dir()
    subprocess.run([str(harness / "setup.sh")], check=True)
    args = list(STAGES[opts.stage])
    if opts.regex:
        args = ["--regex", opts.regex] + [a for a in args if a == "--serial"]
    args += ["--details", opts.details]

    data_dir = Path(tempfile.mkdtemp(prefix="pocketstack-tempest-"))
    if opts.driver == "qemu":
        cloud = start_cloud(data_dir, port=free_port(), args=["--driver", "qemu"], timeout=120)
        os.environ.setdefault("TEMPEST_IMAGE_REF", QEMU_GUEST_ID)
        os.environ.setdefault("TEMPEST_BUILD_TIMEOUT", "300")
        if opts.validation and "TEMPEST_EXTRA_CONF" not in os.environ:
            extra = data_dir / "validation.conf"
            extra.write_text(VALIDATION_CONF)
            os.environ["TEMPEST_EXTRA_CONF"] = str(extra)
    else:
        cloud = start_cloud(data_dir, port=free_port())
    pid = cloud.process.pid if cloud.process else None
    print(f"tempest_run: pocketstack pid {pid} at {cloud.base_url}, data {data_dir}", flush=True)
    status, workspace, last = 2, "", ""
    try:
        alt = upload_alt_guest_image(cloud) if opts.driver == "qemu" else upload_alt_image(cloud)
        env = tempest_env(cloud, alt)
        print(f"tempest_run: run.sh {' '.join(args)} (image {env['TEMPEST_IMAGE_REF']}, "
              f"alt {env['TEMPEST_IMAGE_REF_ALT']})", flush=True)
        status, workspace, last = run_harness(harness, args, env)
    finally:
        cloud.stop()
        if opts.driver == "qemu":
            _end_guests(data_dir)
    print(f"tempest_run: workspace {workspace or 'not created'} "
          f"(tempest.conf, summary.txt, run.log, logs/tempest.log, results.xml)")
    if status == 0 and not opts.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    else:
        print(f"tempest_run: server log {cloud.log_path}")
    print(last, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
