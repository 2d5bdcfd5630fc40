"""The /docs page's model: the OpenAPI description grouped by tag, with readable types.

Kept apart from :mod:`audit_app.api.openapi`, which builds the description itself.
"""
from __future__ import annotations


def doc_sections(document: dict) -> list[dict]:
    """The operations grouped by tag, with readable schema summaries, for templates/api/docs.html."""
    schemas = document["components"]["schemas"]
    sections = {t["name"]: [] for t in document.get("tags", [])}
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            body_name = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1] or None
            sections.setdefault(op["tags"][0], []).append({
                "method": method.upper(), "path": path, "summary": op["summary"],
                "description": op.get("description", ""), "public": op.get("security") == [],
                "parameters": [{"name": p["name"], "in": p["in"], "required": p["required"],
                                "type": _type_text(p["schema"]), "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "body": body_name,
                "responses": [{"status": status, "description": r["description"],
                               "schema": _response_schema_name(r)}
                              for status, r in op["responses"].items()],
            })
    return [{"tag": tag, "operations": ops} for tag, ops in sections.items() if ops] + [
        {"tag": "Schemas", "schemas": [
            {"name": name, "description": s.get("description", ""),
             "properties": [{"name": k, "type": _type_text(v),
                             "required": k in s.get("required", ())}
                            for k, v in s.get("properties", {}).items()]}
            for name, s in schemas.items()]}]


def _response_schema_name(response: dict) -> str | None:
    for media, content in response.get("content", {}).items():
        ref = content.get("schema", {}).get("$ref")
        return ref.rsplit("/", 1)[-1] if ref else media
    return None


def _type_text(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " | ".join(_type_text(s) for s in schema["anyOf"])
    if "allOf" in schema:
        return " + ".join(_type_text(s) for s in schema["allOf"])
    kind = schema.get("type", "any")
    text = " | ".join(kind) if isinstance(kind, list) else kind
    if kind == "array" and "items" in schema:
        text = f"array of {_type_text(schema['items'])}"
    if "enum" in schema:
        text += " (" + ", ".join(str(v) for v in schema["enum"] if v is not None) + ")"
    if "format" in schema:
        text += f" ({schema['format']})"
    return text
