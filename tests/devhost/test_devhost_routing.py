"""Unit tests (no I/O) of the dev host's route templates and route table."""

import azure.functions as func
import pytest

from devhost.asgi import build_routes
from devhost.routing import (
    MethodNotAllowed,
    NotFound,
    Route,
    RouteConfigError,
    Router,
    compile_template,
)

ALL = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})


def route(template, methods=("GET",), name=None):
    return Route(
        name or template,
        compile_template(template, "api"),
        frozenset(methods),
        "anonymous",
    )


def test_a_plain_parameter_takes_one_segment_url_decoded_by_the_server():
    t = compile_template("accounts/{number}", "api")
    assert t.path == "/api/accounts/{number}"
    assert t.match("/api/accounts/IE29IEBK") == {"number": "IE29IEBK"}
    assert t.match("/api/accounts/a/b") is None
    assert t.match("/api/accounts") is None


def test_literal_segments_match_case_insensitively():
    assert compile_template("Health", "api").match("/API/health") == {}
    assert compile_template("users/{id}", "api").match("/Api/USERS/7") == {"id": "7"}


def test_int_constraint_accepts_32_bit_integers_only():
    t = compile_template("items/{id:int}", "api")
    assert t.match("/api/items/42") == {"id": "42"}
    assert t.match("/api/items/-3") == {"id": "-3"}
    assert t.match("/api/items/abc") is None
    assert t.match("/api/items/99999999999") is None


@pytest.mark.parametrize(
    "template, good, bad",
    [
        ("x/{v:guid}", "0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb"),
        ("x/{v:alpha}", "abcXYZ", "abc1"),
        ("x/{v:bool}", "true", "yes"),
        ("x/{v:long}", "9999999999", "1.5"),
        ("x/{v:length(3)}", "abc", "abcd"),
        ("x/{v:min(10)}", "10", "9"),
    ],
)
def test_constraints_accept_and_refuse(template, good, bad):
    t = compile_template(template, "api")
    assert t.match("/api/x/" + good) == {"v": good}
    assert t.match("/api/x/" + bad) is None


def test_optional_parameter_may_be_left_out():
    t = compile_template("greet/{who?}", "api")
    assert t.match("/api/greet") == {}
    assert t.match("/api/greet/bob") == {"who": "bob"}


def test_default_value_fills_a_missing_parameter():
    t = compile_template("list/{page:int=1}", "api")
    assert t.match("/api/list") == {"page": "1"}
    assert t.match("/api/list/3") == {"page": "3"}


def test_catch_all_takes_the_rest_of_the_path_including_slashes():
    t = compile_template("files/{*path}", "api")
    assert t.match("/api/files/a/b/c.txt") == {"path": "a/b/c.txt"}
    assert t.match("/api/files") == {}


def test_complex_segment_splits_on_its_literals():
    assert compile_template("docs/{name}.{ext}", "api").match("/api/docs/report.final.pdf") == {
        "name": "report",
        "ext": "final.pdf",
    }


def test_empty_route_prefix_serves_routes_at_the_root():
    assert compile_template("health", "").path == "/health"


@pytest.mark.parametrize(
    "template",
    ["files/{*path}/more", "a/{x?}/b", "a/{x:nosuch}", "a/{x}/{x}", "a/{x", "a//b"],
)
def test_templates_the_host_would_refuse_are_errors(template):
    with pytest.raises(RouteConfigError):
        compile_template(template, "api")


def test_literal_route_wins_over_a_parameterised_one_declared_first():
    router = Router([route("items/{name}", name="by_name"), route("items/special", name="special")])
    assert router.match("GET", "/api/items/special")[0].function_name == "special"
    assert router.match("GET", "/api/items/other")[0].function_name == "by_name"


def test_constrained_parameter_wins_over_a_plain_one():
    router = Router([route("items/{name}", name="by_name"), route("items/{id:int}", name="by_id")])
    assert router.match("GET", "/api/items/5")[0].function_name == "by_id"
    assert router.match("GET", "/api/items/x")[0].function_name == "by_name"


def test_a_trailing_slash_is_ignored():
    router = Router([route("health")])
    assert router.match("GET", "/api/health/")[1] == {}


def test_unknown_path_is_not_found_and_wrong_method_lists_the_allowed_ones():
    router = Router([route("accounts", ("GET",)), route("accounts", ("POST",), name="open")])
    with pytest.raises(NotFound):
        router.match("GET", "/api/nothing")
    with pytest.raises(MethodNotAllowed) as refused:
        router.match("DELETE", "/api/accounts")
    assert refused.value.allow == "GET, POST"


def test_two_functions_serving_the_same_method_and_path_are_refused():
    with pytest.raises(RouteConfigError, match="both serve GET"):
        Router([route("a/{x}", name="one"), route("a/{x}", name="two")])


def _app_with(route_text, function_name):
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

    def handler(req):
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
    with pytest.raises(RouteConfigError, match=function_name):
        build_routes(_app_with(route_text, function_name), "api", None)


def test_back_office_routes_under_manage_are_accepted():
    routes = build_routes(_app_with("manage/users/{id}", "list_users"), "api", None)
    assert [(r.function_name, r.template.path, sorted(r.methods)) for r in routes] == [
        ("list_users", "/api/manage/users/{id}", ["GET"])
    ]
