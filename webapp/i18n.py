"""Flask-Babel: the UI is written in Chinese (the source language) and wrapped for translation."""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel, gettext

from engine import text

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, default_translation_directories="translations")
    # The engine's refusals and labels (engine.text.N_) are translated where they are shown.
    text.use_translator(gettext)


def localized(value) -> str:
    """A message for a flash or a JSON answer in the reader's language (engine text or not)."""
    return str(text.localized(value))


def localized_tree(value):
    """A JSON answer's nested dicts and lists with every engine text in the reader's language."""
    if isinstance(value, dict):
        return {key: localized_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [localized_tree(item) for item in value]
    return text.localized(value)
