"""``python -m app``: the same as the ``mirage-review`` command (``app.main.main``)."""

import sys

from app.main import main

sys.exit(main())
