"""``python -m training_cli``: the same as the ``mirage`` command (``training_cli.main.main``)."""

import sys

from training_cli.main import main

sys.exit(main())
