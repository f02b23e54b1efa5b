"""``python -m fasttwin.cli``: the ``fasttwin`` command."""

import sys

from fasttwin.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
