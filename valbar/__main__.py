"""``python -m valbar`` runs the ``valbar`` command line."""

from valbar.cli import main

main()
