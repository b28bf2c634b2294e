"""Reading BPMN safely and turning it into SpiffWorkflow specs.

lxml before 5 resolves external entities, and even later versions load DTDs
unless told not to: parse with everything switched off and refuse any DOCTYPE.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.text import Text

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
NSMAP = {"bpmn": BPMN_NS, "spiffworkflow": SPIFF_NS}
_DOCTYPE = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
MAX_BPMN_BYTES = 2 * 1024 * 1024


class BpmnError(Exception):
    """A BPMN document that cannot be used; the message says why."""


def _hardened_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=True,
    )


def parse_xml(source: bytes | str) -> etree._ElementTree:
    data = source.encode("utf-8") if isinstance(source, str) else source
    if len(data) > MAX_BPMN_BYTES:
        raise BpmnError("BPMN document too large")
    if _DOCTYPE.search(data):
        raise BpmnError("DOCTYPE and ENTITY declarations are not allowed in BPMN")
    try:
        tree = etree.ElementTree(etree.fromstring(data, parser=_hardened_parser()))
    except etree.XMLSyntaxError as exc:
        raise BpmnError(f"not well-formed XML: {exc}") from exc
    if tree.docinfo.doctype:
        raise BpmnError("DOCTYPE declarations are not allowed in BPMN")
    return tree


def sha256_of(source: bytes | str) -> str:
    data = source.encode("utf-8") if isinstance(source, str) else source
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ProcessInfo:
    key: str
    name: str
    called: tuple[str, ...]  # keys of processes named by call activities


def describe(tree: etree._ElementTree) -> list[ProcessInfo]:
    """The executable processes a document defines and the processes they call."""
    root = tree.getroot()
    infos = []
    for process in root.iterfind(f"{{{BPMN_NS}}}process"):
        if process.get("isExecutable", "true") == "false":
            continue
        called = tuple(
            node.get("calledElement")
            for node in process.iter(f"{{{BPMN_NS}}}callActivity")
            if node.get("calledElement")
        )
        # The name is BPMN-declared text (extracted by engine.bpmn_messages): shown in the reader's language.
        infos.append(ProcessInfo(process.get("id"), Text(process.get("name")) if process.get("name") else "", called))
    return infos


def build_specs(documents: dict[str, bytes | str], process_key: str):
    """Parse ``documents`` (file name → XML) and return (spec, subprocess_specs)."""
    parser = SpiffBpmnParser()
    try:
        for filename, source in documents.items():
            parser.add_bpmn_xml(parse_xml(source), filename=filename)
        spec = parser.get_spec(process_key)
        subprocess_specs = parser.get_subprocess_specs(process_key)
    except ValidationException as exc:
        raise BpmnError(str(exc)) from exc
    return spec, subprocess_specs


def element_properties(source: bytes | str) -> list[dict[str, str]]:
    """The ``spiffworkflow:properties`` of every element of a document that has some (stage, formKey…)."""
    root = parse_xml(source).getroot()
    found = []
    for holder in root.iter(f"{{{SPIFF_NS}}}properties"):
        found.append({p.get("name"): p.get("value") or "" for p in holder.iterfind(f"{{{SPIFF_NS}}}property")})
    return found
