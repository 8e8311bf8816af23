"""`pocketstack serve` with compute advertising Nova's newest microversion, for the client tests
that negotiate the versions a client knows (run as a script: `python serve_latest.py serve ...`).

It raises `MAX_VERSION` before the API modules load, as the final raise will, so those tests
hold whatever the tree advertises; once `MAX_VERSION` is Nova's own this changes nothing."""

from pocketstack.api.compute import microversions

microversions.MAX_VERSION = microversions.NOVA_MAX_VERSION

from pocketstack.cli import main  # noqa: E402 - after the raise, which the API modules read

if __name__ == "__main__":
    main()
