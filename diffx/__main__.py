"""``python -m diffx`` runs the command line."""

from .cli import main

main()
