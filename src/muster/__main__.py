"""`python -m muster ...` is the `muster` command, warm server included (see cli/client.py)."""

from muster.interfaces.cli.client import main

main()
