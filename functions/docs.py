import json

import azure.functions as func

bp = func.Blueprint()
_document: bytes | None = None


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """The OpenAPI 3.1 document of this API (built once per worker from the registered functions)."""
    global _document
    if _document is None:
        import function_app
        from shared.openapi import build_document, registered_functions

        _document = json.dumps(build_document(registered_functions(function_app.app))).encode()
    return func.HttpResponse(_document, mimetype="application/json", headers={"cache-control": "no-cache"})
