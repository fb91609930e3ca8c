class SharingError(Exception):
    """A share that did not go through, in words for the user; ``permanent`` says whether retrying can help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.message = message
        self.permanent = permanent
