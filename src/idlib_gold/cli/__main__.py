"""`python -m idlib_gold.cli`, as the `idlib-gold` script."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
