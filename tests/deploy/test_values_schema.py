"""values.schema.json leaves no value unchecked: a misspelt key anywhere is refused, not silently ignored."""

from __future__ import annotations

import json

from tests.deploy.conftest import CHART

# Maps whose keys are the operator's own: labels, annotations, EOFFICE_* names, Kubernetes' affinity.
FREE_MAPS = {
    "extraSettings",
    "podAnnotations",
    "nodeSelector",
    "affinity",
    "ingress.annotations",
    "metrics.monitoringNamespaceSelector",
    "networkPolicy.ingressNamespaceSelector",
}


def _objects(node: dict, path: str = ""):
    if node.get("type") == "object":
        yield path, node
    for name, child in node.get("properties", {}).items():
        yield from _objects(child, f"{path}.{name}" if path else name)


def test_every_object_of_the_values_refuses_unknown_keys():
    schema = json.loads((CHART / "values.schema.json").read_text())
    for path, node in _objects(schema):
        if path in FREE_MAPS:
            assert node.get("additionalProperties") is not False, path
        else:
            assert node.get("additionalProperties") is False, f"{path or 'the root'} accepts any key"
