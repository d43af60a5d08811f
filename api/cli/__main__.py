"""``python -m api.cli`` runs the ``valbar`` command line."""

from api.cli import main

main()
