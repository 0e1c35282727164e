"""``python -m simulator`` is the ``landsim`` command."""

import sys

from .cli import main

sys.exit(main())
