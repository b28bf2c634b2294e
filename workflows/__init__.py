"""The BPMN process definitions, shipped as package data."""
from importlib.resources import files


def bpmn_files():
    """(file name, bytes) of every shipped BPMN document, sorted by name."""
    folder = files(__name__)
    return sorted(
        (entry.name, entry.read_bytes()) for entry in folder.iterdir() if entry.name.endswith(".bpmn")
    )
