"""``python -m bot`` is the ``bot`` command."""

import sys

from bot.cli import main

sys.exit(main())
