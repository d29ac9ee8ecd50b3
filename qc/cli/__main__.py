"""`python -m qc.cli`: the same as the `qc` command."""

from . import main

main()
