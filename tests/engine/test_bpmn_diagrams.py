"""Every shipped BPMN file can be drawn by bpmn-js: a shape for every element, an edge for every flow."""
from __future__ import annotations

import pytest
from lxml import etree

import workflows

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
      "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
DRAWN = ("startEvent", "endEvent", "userTask", "serviceTask", "callActivity", "exclusiveGateway",
         "boundaryEvent", "intermediateCatchEvent", "lane", "participant")


FILES = dict(workflows.bpmn_files())


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_element_and_flow_has_its_diagram(name):
    root = etree.fromstring(FILES[name])
    shapes = {s.get("bpmnElement") for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    elements = {el.get("id") for tag in DRAWN for el in root.iterfind(f".//bpmn:{tag}", NS)}
    flows = {el.get("id") for el in root.iterfind(".//bpmn:sequenceFlow", NS)}
    assert elements - shapes == set(), f"{name}: elements without a shape"
    assert flows - edges == set(), f"{name}: sequence flows without an edge"
    for edge in root.iterfind(".//bpmndi:BPMNEdge", NS):
        assert len(edge.findall("{http://www.omg.org/spec/DD/20100524/DI}waypoint")) >= 2, edge.get("id")
