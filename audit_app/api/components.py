"""OpenAPI component schemas generated from pydantic models (request bodies and responses).

Every schema under ``components/schemas`` of the description comes from here: the request
bodies of :mod:`audit_app.api.schemas` (validation mode: what a client may send) and the
responses of :mod:`audit_app.api.responses` (serialization mode: what the API sends). A
model registered as a component is referenced with ``$ref``; nested models and enums that
are not registered are written out in place, so the description names only the shapes a
client works with. pydantic's titles are dropped (the description names things itself) and
a model's docstring becomes its description.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

REF_PREFIX = "#/components/schemas/"


def component_schemas(models: Iterable[type[BaseModel]],
                      mode: Literal["validation", "serialization"]) -> dict[str, dict]:
    """The component schema of each model, by class name, in the given order.

    References between the given models stay ``$ref``s; everything else is inlined.
    """
    models = list(models)
    names = {m.__name__ for m in models}
    if len(names) != len(models):
        raise ValueError("two component models share a class name")
    _keys, document = models_json_schema([(m, mode) for m in models],
                                         ref_template=REF_PREFIX + "{model}")
    defs = document.get("$defs", {})
    missing = names - set(defs)
    if missing:  # pydantic renames a model whose name clashes with another's
        raise ValueError(f"models named ambiguously: {sorted(missing)}")
    out = {}
    for model in models:
        schema = _inline(defs[model.__name__], defs, keep=names)
        if model.__doc__:
            schema["description"] = " ".join(model.__doc__.split())
        out[model.__name__] = _clean(schema)
    return out


def referenced_components(schema: Any) -> set[str]:
    """The names of every component a schema refers to with ``$ref``."""
    found: set[str] = set()
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX):])
        for value in schema.values():
            found |= referenced_components(value)
    elif isinstance(schema, list):
        for value in schema:
            found |= referenced_components(value)
    return found


def _inline(schema: Any, defs: dict, keep: set[str]) -> Any:
    """``schema`` with every ``$ref`` to a definition outside ``keep`` replaced by it."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            name = ref[len(REF_PREFIX):]
            if name not in keep and name in defs:
                merged = {**defs[name], **{k: v for k, v in schema.items() if k != "$ref"}}
                return _inline(merged, defs, keep)
        return {k: _inline(v, defs, keep) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(v, defs, keep) for v in schema]
    return schema


def _clean(schema: Any) -> Any:
    """pydantic's JSON schema without its titles."""
    if isinstance(schema, dict):
        return {k: _clean(v) for k, v in schema.items()
                if not (k == "title" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema
