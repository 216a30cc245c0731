"""The target's copy of the spec's component fields (target_xero/spec_fields_data.py) is what
the vendored OpenAPI spec says."""

from __future__ import annotations

from target_xero import spec_fields
from target_xero.spec_fields_data import FIELDS
from xero_core.endpoints import ENDPOINTS
from xero_core.openapi_schemas import component_properties


def test_the_data_is_the_spec() -> None:
    assert spec_fields.build() == FIELDS, (
        "target_xero/spec_fields_data.py differs from the vendored OpenAPI spec: run "
        "python -m target_xero.spec_fields")


def test_answers_match_the_spec_for_every_resource() -> None:
    for ep in ENDPOINTS:
        props = component_properties(ep.schema, ep.api)
        assert spec_fields.component_fields(ep.schema, ep.api) == set(props), ep.stream
        read_only = {k for k, v in props.items() if isinstance(v, dict) and v.get("readOnly")}
        assert spec_fields.read_only_fields(ep.schema, ep.api) == read_only, ep.stream
