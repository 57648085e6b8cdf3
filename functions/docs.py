import json
from typing import Any

import azure.functions as func

bp = func.Blueprint()
_app: Any = None  # the FunctionApp this blueprint describes, handed over by function_app.py
_document: bytes | None = None


def describe(app: Any) -> None:
    """Called by function_app.py once every blueprint is registered (no import of it from here:
    that was an import cycle)."""
    global _app, _document
    _app, _document = app, None


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
async def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """The OpenAPI 3.1 document of this API (built once per worker from the registered functions)."""
    global _document
    if _document is None:
        from shared.openapi import build_document, registered_functions

        _document = json.dumps(build_document(registered_functions(_app))).encode()
    return func.HttpResponse(_document, mimetype="application/json", headers={"cache-control": "no-cache"})
