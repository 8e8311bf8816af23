"""The Debian packages the qemu driver runs and builds its guest with: checked with dpkg-query,
and installed with apt-get when missing (as root; otherwise the error says what to install)."""

from __future__ import annotations

import os
import shutil
import subprocess

PACKAGES = ("qemu-system-x86", "qemu-utils", "busybox-static", "genisoimage",
            "linux-image-amd64", "dropbear-bin", "novnc")


class PackagesMissing(Exception):
    """Packages are missing and could not be installed."""


def missing(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """The packages that are not installed (all of them when dpkg-query is absent)."""
    if shutil.which("dpkg-query") is None:
        return list(packages)
    done = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${db:Status-Status}\n",
                           *packages], capture_output=True, text=True, check=False)
    installed = {line.split()[0] for line in done.stdout.splitlines()
                 if line.endswith(" installed")}
    return [package for package in packages if package not in installed]


def ensure(packages: tuple[str, ...] = PACKAGES) -> list[str]:
    """Install what is missing with apt-get (an apt-get update first if that fails); the
    packages it installed."""
    needed = missing(packages)
    if not needed:
        return []
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        raise PackagesMissing("The qemu driver needs these Debian packages: " + " ".join(needed)
                              + " (install them with: sudo apt-get install " + " ".join(needed)
                              + ")")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *needed]
    if subprocess.run(install, env=env, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        if subprocess.run(install, env=env, check=False).returncode != 0:
            raise PackagesMissing("apt-get could not install: " + " ".join(needed))
    still = missing(packages)
    if still:
        raise PackagesMissing("Still missing after apt-get: " + " ".join(still))
    return needed
