"""The nova-network tests get a live cloud of their own: as admin they make networks of no
project, which every project then sees, and a server booted elsewhere without `networks` would
find more than one network to choose from. Defined again here, the session fixtures start a
second cloud for this directory."""

from tests.conftest import admin, cloud, demo

__all__ = ["admin", "cloud", "demo"]
