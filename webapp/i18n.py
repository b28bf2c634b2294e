"""Flask-Babel: the UI is written in Chinese (the source language) and wrapped for translation."""
from __future__ import annotations

from flask import Flask
from flask_babel import Babel

babel = Babel()


def init_app(app: Flask) -> None:
    babel.init_app(app, default_translation_directories="translations")
