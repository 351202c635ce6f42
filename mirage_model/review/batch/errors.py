"""The one error of batch scoring."""

from mirage_model.errors import MirageInputError


class BatchError(MirageInputError):
    """A batch that cannot start (bad folder, output or labs table, or an output to resume that
    does not fit). ``str()`` is a user-facing sentence, in the words of ``mirage score``.

    Attributes:
        dialog: the same sentence in the words of the app's batch dialog (its Resume box and its
            fields, not the command's options), where the two differ; "" where ``str()`` reads the
            same in both.
    """

    def __init__(self, message: str = "", dialog: str = ""):
        super().__init__(message)
        self.dialog = dialog
