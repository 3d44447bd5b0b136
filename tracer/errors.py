"""The one error type users see: a problem that cannot be traced as written."""


class ProblemError(ValueError):
    """Bad input, with a one-line message naming the file, the field and what was expected.

    It is a ValueError so library users can catch it generically; the CLI prints its
    message on one line and exits with status 2.
    """
