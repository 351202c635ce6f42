"""The one error of batch scoring."""


class BatchError(Exception):
    """A batch that cannot start (bad folder, output or labs table, or an output to resume that
    does not fit). ``str()`` is a user-facing sentence."""
