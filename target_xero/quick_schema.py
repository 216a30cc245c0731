"""A quick "valid" for records that match their stream's schema.

jsonschema walks a record through a new validator object per keyword and level (about 90 us
an invoice); most records are valid. `quick_check` compiles the common subset of JSON Schema
(type, properties, additionalProperties, items, required, and annotations) into plain
closures that answer True only when jsonschema would find no error. A schema with any other
keyword gets no quick check (None), and a record the quick check refuses is validated by
jsonschema as before, which writes the reasons.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Keywords that assert nothing (formats are not checked: the validator has no format checker).
ANNOTATIONS = frozenset({"description", "title", "format", "$comment", "examples", "default",
                         "readOnly", "writeOnly", "deprecated"})
ASSERTIONS = frozenset({"type", "properties", "additionalProperties", "items", "required"})
# jsonschema's own rules for these types (number and integer are asked of its type checker).
_CLASSES: dict[str, type] = {"string": str, "object": dict, "array": list, "boolean": bool}
_TYPES = frozenset({*_CLASSES, "null", "number", "integer"})


def _always(_: Any) -> bool:
    return True


def _never(_: Any) -> bool:
    return False


def quick_check(schema: Any, type_checker: Any) -> Check | None:
    """A function answering True only for instances valid under `schema` (None: the schema
    uses keywords it does not know). `type_checker` is the validator's TYPE_CHECKER."""
    if schema is True:
        return _always
    if schema is False:
        return _never
    if not isinstance(schema, dict):
        return None
    for key in schema:
        if key not in ASSERTIONS and key not in ANNOTATIONS and not (
                isinstance(key, str) and key.startswith("x-")):
            return None
    type_ok = _type_check(schema["type"], type_checker) if "type" in schema else _always
    if type_ok is None:
        return None
    props: dict[str, Check] = {}
    if "properties" in schema:
        if not isinstance(schema["properties"], dict):
            return None
        for name, sub in schema["properties"].items():
            check = quick_check(sub, type_checker)
            if check is None:
                return None
            props[name] = check
    extra = quick_check(schema["additionalProperties"], type_checker) if (
        "additionalProperties" in schema) else _always
    items = quick_check(schema["items"], type_checker) if "items" in schema else _always
    required = schema.get("required", [])
    if extra is None or items is None or not (
            isinstance(required, list) and all(isinstance(r, str) for r in required)):
        return None
    return _compose(type_ok, props, extra, items, tuple(required))


def _type_check(kind: Any, type_checker: Any) -> Check | None:
    names = [kind] if isinstance(kind, str) else kind
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        return None
    if any(n not in _TYPES for n in names):
        return None
    numbers = [_checker_type(type_checker, n) for n in names if n in ("number", "integer")]
    classes = tuple(_CLASSES[n] for n in names if n in _CLASSES)
    none_ok = "null" in names
    if len(numbers) == 1:
        number = numbers[0]
        return lambda x: (x is None and none_ok) or isinstance(x, classes) or number(x)
    if numbers:
        return lambda x: (x is None and none_ok) or isinstance(x, classes) or any(
            c(x) for c in numbers)
    if none_ok:
        return lambda x: x is None or isinstance(x, classes)
    return lambda x: isinstance(x, classes)


def _checker_type(type_checker: Any, name: str) -> Check:
    """jsonschema's own rule for numbers (bool is not one; 1.0 is an integer)."""
    def check(x: Any) -> bool:
        return bool(type_checker.is_type(x, name))
    return check


def _compose(type_ok: Check, props: dict[str, Check], extra: Check, items: Check,
             required: tuple[str, ...]) -> Check:
    check_extra = extra is not _always
    check_items = items is not _always

    def check(x: Any) -> bool:
        if not type_ok(x):
            return False
        if isinstance(x, dict):
            for name in required:
                if name not in x:
                    return False
            for key, value in x.items():
                prop = props.get(key)
                if prop is not None:
                    if not prop(value):
                        return False
                elif check_extra and not extra(value):
                    return False
        elif check_items and isinstance(x, list):
            for value in x:
                if not items(value):
                    return False
        return True

    return check


# --- the stream's schema against its metaschema ------------------------------------------------

# Where a schema holds subschemas (draft 2020-12, its deprecated `definitions` and
# `dependencies` too): the metaschema checks each of them as a schema of its own, whatever
# surrounds it (`$dynamicRef: "#meta"` always resolves to the metaschema's root).
_ONE = ("items", "contains", "additionalProperties", "propertyNames", "if", "then", "else",
        "not", "unevaluatedItems", "unevaluatedProperties", "contentSchema")
_MANY = ("allOf", "anyOf", "oneOf", "prefixItems")
_TEXT = ("description", "title", "$comment")
_ANY_NAME = ("properties", "$defs", "definitions", "dependentSchemas")  # keys: any string
_NAMED = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas",
          "dependencies")


def schema_is_valid(schema: Any, validator_class: Any) -> bool:
    """True only when `validator_class.check_schema(schema)` passes (False: ask it).

    The metaschema is checked once per distinct subschema, each with its own subschemas
    replaced by `true`: a tap's schema repeats the same objects (a contact, a line, an
    address) many times, and checking each copy in place costs a run a quarter second.
    """
    meta = validator_class(validator_class.META_SCHEMA,
                           format_checker=validator_class.FORMAT_CHECKER)
    seen: set[str] = set()
    pending = [schema]
    while pending:
        node = pending.pop()
        if isinstance(node, bool):
            continue
        if not isinstance(node, dict):
            return False
        shallow: dict[str, Any] = {}
        for key, value in node.items():
            if key in _ONE and isinstance(value, dict):
                shallow[key], kids = True, [value]
            elif key in _MANY and isinstance(value, list):
                shallow[key] = [True if isinstance(v, dict) else v for v in value]
                kids = [v for v in value if isinstance(v, dict)]
            elif key in _NAMED and isinstance(value, dict):
                kids = [v for v in value.values() if isinstance(v, dict)]
                if key in _ANY_NAME and all(isinstance(v, (dict, bool)) for v in value.values()):
                    # Names are free here: one stands for all (each value is a schema).
                    shallow[key] = {"": True} if value else {}
                else:
                    shallow[key] = {k: True if isinstance(v, dict) else v
                                    for k, v in value.items()}
            elif key in _TEXT and isinstance(value, str):
                shallow[key], kids = "", []  # any string is as valid as another here
            else:
                shallow[key], kids = value, []
            pending.extend(kids)
        try:
            text = json.dumps(shallow, sort_keys=True)
        except (TypeError, ValueError):
            return False
        if text not in seen:
            seen.add(text)
            if next(meta.iter_errors(shallow), None) is not None:
                return False
    return True
