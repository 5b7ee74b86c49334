"""The one error the analysis raises for bad input: its message is the whole line the user sees."""


class ResultsError(Exception):
    """The results folder is missing or its files are not in the expected format."""
