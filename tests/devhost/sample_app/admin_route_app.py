"""An app the dev host must refuse: a route under the Functions host's reserved /admin."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="health", methods=["GET"])
def health(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("ok")


@app.route(route="Admin/users", methods=["GET"])
def list_users(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("[]")
