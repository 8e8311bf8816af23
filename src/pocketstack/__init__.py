"""pocketstack: an OpenStack-compatible cloud (Identity, Compute, Image, Network) in one process."""

__version__ = "0.1.0"
