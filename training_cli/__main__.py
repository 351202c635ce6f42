"""``python -m training_cli``: the same as the ``mirage`` command (``training_cli.main.main``)."""

import sys

try:
    from training_cli.main import main
except KeyboardInterrupt:     # Ctrl-C before main() runs: as main() says it (exit status 130, not -2)
    print("interrupted while starting: nothing was written", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
