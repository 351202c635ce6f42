"""The one error of batch scoring."""

from mirage_model.errors import MirageInputError


class BatchError(MirageInputError):
    """A batch that cannot start (bad folder, output or labs table, or an output to resume that
    does not fit). ``str()`` is a user-facing sentence."""
