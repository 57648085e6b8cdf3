"""An app the dev host must refuse: a function name starting with "admin"."""

import azure.functions as func

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.route(route="manage/users", methods=["GET"])
def admin_list_users(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("[]")
