"""``python -m specscope.app.cli``: the same as the ``specscope`` command."""

import sys

from .main import main

sys.exit(main())
