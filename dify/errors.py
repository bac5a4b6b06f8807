"""The one error of the Dify import: what is wrong, and where in the file."""

from __future__ import annotations


class DifyImportError(Exception):
    """A DSL file that cannot be imported. ``location`` names the place: ``line 3, column 5`` for YAML,
    ``node '1711' (llm): prompt_template`` or ``version`` otherwise."""

    def __init__(self, message: str, location: str = "") -> None:
        super().__init__(f"{location}: {message}" if location else message)
        self.message = message
        self.location = location
