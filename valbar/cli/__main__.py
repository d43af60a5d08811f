"""``python -m valbar.cli`` runs the ``valbar`` command line."""

from valbar.cli import main

main()
