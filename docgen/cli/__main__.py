"""`python -m docgen.cli`."""
from . import main

main()
