"""Is an upload a well-formed PDF without active content? (issue 14, hole 6)

The bytes are parsed with pypdf and every object reachable from the trailer is walked (dictionaries
only: stream data is never decoded), except the parts no viewer runs anything from (SKIPPED: page
contents and resources — fonts, images —, appearance streams, the structure tree, XMP metadata), so a
20 MB scan stays cheap. A file is refused when pypdf cannot
read it or finds no page, when it does not start with ``%PDF-`` (a browser sniffing the first bytes must
never see HTML), when it holds more objects than a real document (MAX_OBJECTS),
when it needs an open password, or when it carries anything a viewer would run or
unpack: JavaScript (/JS, /JavaScript, actions of type JavaScript in /OpenAction, /AA or links), launch
actions, embedded files, rich media (Flash) or XFA forms.

The answer is a problem code (``Problem``), or None; the forms turn it into a message.
"""
from __future__ import annotations

import io
import warnings
from enum import StrEnum

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, StreamObject

PDF_HEADER = b"%PDF-"
# pypdf reads about ten thousand objects a second of CPU here: a file of more walked objects (pages,
# annotations, actions, outline items, form fields) than a real document has is refused rather than
# ground through by a worker (figures in docs/performance.md).
MAX_OBJECTS = 20_000
# Object streams pack many small objects, compressed (a few KB can unpack to a MB), and pypdf parses
# and keeps a whole stream the first time one object in it is read: their unpacked bytes are budgeted
# before they are parsed (real documents have well under a MB of them per hundred pages).
MAX_UNPACKED_BYTES = 16 * 1024 * 1024
# Entries whose objects a viewer draws or indexes but never acts on (annotations are reached through
# the pages' /Annots, not through the structure tree's references to them).
SKIPPED = frozenset({"/Contents", "/Resources", "/AP", "/StructTreeRoot", "/Metadata", "/Thumb"})


class Problem(StrEnum):
    MALFORMED = "malformed"
    ENCRYPTED = "encrypted"
    JAVASCRIPT = "javascript"
    LAUNCH = "launch"
    EMBEDDED_FILE = "embedded_file"
    RICH_MEDIA = "rich_media"
    XFA = "xfa"
    TOO_COMPLEX = "too_complex"


# Dictionary keys whose mere presence means active content.
_KEYS = {
    "/JS": Problem.JAVASCRIPT, "/JavaScript": Problem.JAVASCRIPT,
    "/EmbeddedFiles": Problem.EMBEDDED_FILE, "/EmbeddedFile": Problem.EMBEDDED_FILE, "/EF": Problem.EMBEDDED_FILE,
    "/RichMediaContent": Problem.RICH_MEDIA, "/RichMediaSettings": Problem.RICH_MEDIA,
    "/XFA": Problem.XFA,
}
# Values of /S (action type), /Type and /Subtype that mean active content.
_TYPED_VALUES = {
    "/JavaScript": Problem.JAVASCRIPT, "/Launch": Problem.LAUNCH,
    "/GoToE": Problem.EMBEDDED_FILE, "/EmbeddedFile": Problem.EMBEDDED_FILE,
    "/FileAttachment": Problem.EMBEDDED_FILE,
    "/RichMedia": Problem.RICH_MEDIA, "/RichMediaExecute": Problem.RICH_MEDIA,
}
_TYPE_KEYS = ("/S", "/Type", "/Subtype")
_CONTAINERS = (DictionaryObject, ArrayObject, IndirectObject)  # numbers, strings and names hold nothing


def pdf_problem(data: bytes) -> Problem | None:
    """None for a well-formed PDF with no active content, else what is wrong with it."""
    if not data.startswith(PDF_HEADER):
        return Problem.MALFORMED
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pypdf's notes on the repairs it makes to sloppy, readable files
            return _inspect(data)
    except Exception:  # whatever pypdf trips over on hostile bytes, the file is not a PDF we take
        return Problem.MALFORMED


def _inspect(data: bytes) -> Problem | None:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        return Problem.ENCRYPTED  # an open password: nobody on the platform could read it
    found = _active_content(reader)
    if found is not None:
        return found
    return None if len(reader.pages) > 0 else Problem.MALFORMED


def _active_content(reader: PdfReader) -> Problem | None:
    """Walk every object reachable from the trailer (iteratively: nesting cannot blow the stack)."""
    seen: set[tuple[int, int]] = set()
    unpacked = _Unpacked(reader)
    pending: list = [reader.trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            if len(seen) > MAX_OBJECTS or unpacked.over_budget(item.idnum):
                return Problem.TOO_COMPLEX
            item = item.get_object()
        if isinstance(item, DictionaryObject):  # a stream is a dictionary too: its data is not read
            found = _dictionary_problem(item)
            if found is not None:
                return found
            pending.extend(value for name, value in item.items()
                           if name not in SKIPPED and isinstance(value, _CONTAINERS))
        elif isinstance(item, ArrayObject):
            pending.extend(value for value in item if isinstance(value, _CONTAINERS))
    return None


class _Unpacked:
    """The unpacked bytes of the object streams the walk has opened so far."""

    def __init__(self, reader: PdfReader):
        self.reader, self.streams, self.total = reader, set(), 0

    def over_budget(self, idnum: int) -> bool:
        # xref_objStm (object number → (stream number, index)) is where pypdf itself looks the stream up.
        packed_in = self.reader.xref_objStm.get(idnum)
        if packed_in is None or packed_in[0] in self.streams:
            return False
        self.streams.add(packed_in[0])
        stream = self.reader.get_object(packed_in[0])
        self.total += len(stream.get_data()) if isinstance(stream, StreamObject) else 0
        return self.total > MAX_UNPACKED_BYTES


def _dictionary_problem(dictionary: DictionaryObject) -> Problem | None:
    for name in dictionary:
        if name in _KEYS:
            return _KEYS[name]
    for name in _TYPE_KEYS:
        value = dictionary.get(name)
        if isinstance(value, NameObject) and value in _TYPED_VALUES:
            return _TYPED_VALUES[value]
    return None
