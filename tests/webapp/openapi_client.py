"""Reading /api/v1/openapi.json as an integrator would: operations by operationId, request
schemas (form variants by form key), bodies filled from the schemas, answers checked against them."""
from __future__ import annotations

from jsonschema import Draft202012Validator

METHODS = ("get", "post", "put", "patch", "delete")


def load(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def operations(doc: dict):
    """(path, method, operation) of every documented operation."""
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def find(doc: dict, operation_id: str) -> tuple[str, str, dict]:
    (found,) = [op for op in operations(doc) if op[2]["operationId"] == operation_id]
    return found


def resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def ref_to(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def url(path: str, **params) -> str:
    return path.format(**params)


def request_schema(doc: dict, operation: dict, media: str, form_key: str | None = None) -> dict:
    """The body schema of ``operation`` as ``media``; of the task form ``form_key`` when it is a oneOf."""
    schema = operation["requestBody"]["content"][media]["schema"]
    if "oneOf" in schema:
        (schema,) = [resolve(doc, s) for s in schema["oneOf"] if resolve(doc, s)["title"] == form_key]
    return resolve(doc, schema)


def validator(doc: dict, schema: dict) -> Draft202012Validator:
    """A validator of ``schema`` whose $refs resolve against the document's components."""
    return Draft202012Validator({**schema, "components": doc["components"]})


def check_answer(doc: dict, operation: dict, response) -> None:
    """The status is documented for the operation, and a JSON answer fits its schema."""
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (operation["operationId"], response.status_code, response.get_data(as_text=True))
    content = documented.get("content", {}).get("application/json")
    if content:
        errors = sorted(validator(doc, content["schema"]).iter_errors(response.get_json()), key=str)
        assert not errors, (operation["operationId"], [e.message for e in errors])


def choices(schema: dict) -> list:
    return [c["const"] for c in schema.get("oneOf", [])]


def fill(form_schema: dict, wanted: dict) -> dict:
    """A body for ``form_schema``: the wanted values (each must be a documented field, and one of its
    documented choices when it has any), then the required fields' defaults or first choices."""
    properties = form_schema["properties"]
    body = {}
    for name, value in wanted.items():
        assert name in properties, f"{name} is not in the documented form"
        options = choices(properties[name])
        assert not options or value in options, (name, value, options)
        body[name] = value
    for name in form_schema.get("required", []):
        field = properties[name]
        if name in body or is_file(field):  # files go as multipart parts, by the caller
            continue
        assert "default" in field or choices(field), f"required {name} has neither a default nor choices"
        body[name] = field["default"] if "default" in field else choices(field)[0]
    return body


def is_file(schema: dict) -> bool:
    return schema.get("format") == "binary" or schema.get("items", {}).get("format") == "binary"


def rows(form_schema: dict, name: str, count: int, wanted: dict) -> list[dict]:
    """``count`` rows of the list field ``name``, each cell from ``wanted`` (checked like ``fill``)."""
    return [fill(form_schema["properties"][name]["items"], wanted) for _row in range(count)]


def as_multipart(form_schema: dict, body: dict) -> dict:
    """The body as multipart fields: list rows named by the document's x-multipart-rows pattern."""
    pattern = form_schema["x-multipart-rows"]
    fields: dict = {}
    for name, value in body.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            for index, row in enumerate(value):
                for column, cell in row.items():
                    fields[pattern.format(field=name, row=index, column=column)] = str(cell)
        else:
            fields[name] = value
    return fields
