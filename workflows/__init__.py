"""The BPMN process definitions, shipped as package data."""
from importlib.resources import files


def bpmn_files():
    """(file name, bytes) of every shipped BPMN document, sorted by name."""
    folder = files(__name__)
    return sorted(
        (entry.name, entry.read_bytes()) for entry in folder.iterdir() if entry.name.endswith(".bpmn")
    )


def form_files():
    """(file name, bytes) of every shipped form definition (forms/*.form, form-js JSON), sorted by name."""
    folder = files(__name__) / "forms"
    if not folder.is_dir():
        return []
    return sorted((entry.name, entry.read_bytes()) for entry in folder.iterdir() if entry.name.endswith(".form"))
