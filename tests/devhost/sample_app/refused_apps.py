"""Apps the dev host must refuse to start: each declares something it cannot serve as Azure would."""

import azure.functions as func

constraint = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@constraint.route(route="items/{id:int}", methods=["GET"])
def item_by_id(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("x")


five_field_cron = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@five_field_cron.timer_trigger(schedule="15 3 * * *", arg_name="timer")
def nightly(timer: func.TimerRequest) -> None:
    pass


admin_route = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@admin_route.route(route="Admin/users", methods=["GET"])
def list_users(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("[]")


admin_name = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@admin_name.route(route="manage/users", methods=["GET"])
def admin_list_users(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("[]")
