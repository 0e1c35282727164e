"""``python -m simulator`` is the ``landsim`` command."""

import sys

from simulator.cli import main

sys.exit(main())
