"""`python -m muster ...` is the `muster` command (handy with `python -X importtime`)."""

from muster.interfaces.cli.main import main

main()
