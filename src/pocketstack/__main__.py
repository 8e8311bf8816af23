"""`python -m pocketstack` is the `pocketstack` command."""

from pocketstack.cli import main

main()
