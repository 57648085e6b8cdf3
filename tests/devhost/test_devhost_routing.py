"""Unit tests (no I/O) of the dev host's route templates and route table."""

import azure.functions as func
import pytest

from devhost.asgi import read_functions
from devhost.routing import (
    AppConfigError,
    MethodNotAllowed,
    NotFound,
    Route,
    Router,
    compile_template,
)


def route(template, methods=("GET",), name=None):
    return Route(name or template, compile_template(template, "api"), frozenset(methods), "anonymous")


def test_a_parameter_takes_one_whole_segment():
    router = Router([route("accounts/{number}")])
    assert router.routes[0].template.path == "/api/accounts/{number}"
    assert router.match("GET", "/api/accounts/IE29IEBK")[1] == {"number": "IE29IEBK"}
    for other in ("/api/accounts/a/b", "/api/accounts", "/api/accounts//"):
        with pytest.raises(NotFound):
            router.match("GET", other)


def test_each_segment_is_percent_decoded_on_its_own_so_an_encoded_slash_stays_in_its_parameter():
    router = Router([route("items/{name}"), route("items/a/b", name="literal")])
    assert router.match("GET", "/api/items/caf%C3%A9")[1] == {"name": "café"}
    assert router.match("GET", "/api/items/a%2Fb") == (router.routes[0], {"name": "a/b"})


def test_literal_segments_match_case_insensitively_and_a_trailing_slash_is_ignored():
    router = Router([route("health"), route("users/{id}/transactions", name="history")])
    assert router.match("GET", "/API/Health/")[1] == {}
    assert router.match("GET", "/Api/USERS/7/transactions")[1] == {"id": "7"}


def test_the_routes_of_our_app_compile_with_the_prefix_or_without():
    assert compile_template("manage/accounts/{number}/deposits", "api").path == "/api/manage/accounts/{number}/deposits"
    assert compile_template("health", "").path == "/health"


@pytest.mark.parametrize(
    "template",
    ["items/{id:int}", "greet/{who?}", "list/{page=1}", "files/{*path}", "docs/{name}.{ext}", "a/{x}/{X}", "a/{x",
     "a//b"],
)
def test_route_grammar_our_app_does_not_use_is_refused_at_start(template):
    with pytest.raises(AppConfigError):
        compile_template(template, "api")


def test_literal_route_wins_over_a_parameterised_one_declared_first():
    router = Router([route("items/{name}", name="by_name"), route("items/special", name="special")])
    assert router.match("GET", "/api/items/special")[0].function_name == "special"
    assert router.match("GET", "/api/items/other")[0].function_name == "by_name"


def test_a_literal_segment_wins_over_a_parameter_at_the_same_place():
    router = Router([route("users/{id}/{what}", name="any"), route("users/{id}/transactions", name="history")])
    assert router.match("GET", "/api/users/7/transactions")[0].function_name == "history"
    assert router.match("GET", "/api/users/7/other")[0].function_name == "any"


def test_unknown_path_is_not_found_and_wrong_method_lists_the_allowed_ones():
    router = Router([route("accounts", ("GET",)), route("accounts", ("POST",), name="open")])
    with pytest.raises(NotFound):
        router.match("GET", "/api/nothing")
    with pytest.raises(MethodNotAllowed) as refused:
        router.match("DELETE", "/api/accounts")
    assert refused.value.allow == "GET, POST"


def test_two_functions_serving_the_same_method_and_path_are_refused():
    with pytest.raises(AppConfigError, match="both serve GET"):
        Router([route("a/{x}", name="one"), route("a/{y}", name="two")])


def _app_with(route_text, function_name):
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    async def handler(req: func.HttpRequest) -> func.HttpResponse:
        return func.HttpResponse("x")

    handler.__name__ = function_name
    app.route(route=route_text, methods=["GET"])(handler)
    return app


@pytest.mark.parametrize(
    "route_text, function_name",
    [
        ("admin/users", "list_users"),
        ("/Admin", "list_users"),
        ("ADMINISTRATION", "list_users"),
        ("manage/users", "admin_users"),
        (None, "AdminReport"),
    ],
)
def test_routes_and_function_names_starting_with_admin_are_refused_like_the_functions_host(route_text, function_name):
    with pytest.raises(AppConfigError, match=function_name):
        read_functions(_app_with(route_text, function_name), "api")


def test_back_office_routes_under_manage_are_accepted_and_async_handlers_are_known_as_such():
    routes, timers = read_functions(_app_with("manage/users/{id}", "list_users"), "api")
    assert [(r.function_name, r.template.path, sorted(r.methods), r.target.is_async) for r in routes] == [
        ("list_users", "/api/manage/users/{id}", ["GET"], True)
    ]
    assert timers == []


def test_a_function_asking_for_more_than_its_trigger_argument_is_refused():
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.route(route="ping", methods=["GET"])
    def ping(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
        return func.HttpResponse("pong")

    with pytest.raises(AppConfigError, match="ping"):
        read_functions(app, "api")


def test_timer_functions_are_read_with_their_schedule():
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    @app.timer_trigger(schedule="0 15 3 * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
    async def purge(timer: func.TimerRequest) -> None:
        pass

    routes, [timer] = read_functions(app, "api")
    assert routes == []
    assert (timer.function_name, timer.schedule, timer.run_on_startup, timer.target.is_async) == (
        "purge", "0 15 3 * * *", False, True)
