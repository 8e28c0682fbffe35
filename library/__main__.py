"""`python -m library` runs the photodesk command line (as the `photodesk` script does)."""

from library.cli.main import main

main()
