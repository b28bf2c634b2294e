"""Input a domain service refuses, with the field to show the Chinese message at."""
from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session


class InputError(Exception):
    def __init__(self, field_name: str, message: str, more: list[tuple[str, str]] | None = None,
                 keep: Callable[[Session], None] | None = None):
        super().__init__(message)
        self.field, self.message = field_name, message
        self.problems = [(field_name, message), *(more or [])]  # every refusal, for the page
        # What must be written although the refused request is rolled back (a wrong 手机验证码 still counts).
        self.keep = keep
