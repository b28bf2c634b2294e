"""Input a domain service refuses, with the field to show the Chinese message at."""
from __future__ import annotations


class InputError(Exception):
    def __init__(self, field_name: str, message: str, more: list[tuple[str, str]] | None = None):
        super().__init__(message)
        self.field, self.message = field_name, message
        self.problems = [(field_name, message), *(more or [])]  # every refusal, for the page
