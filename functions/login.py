from __future__ import annotations

from typing import TYPE_CHECKING

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import (
        AccessTokenOut,
        CurrentSessionOut,
        FactorAnswerRequest,
        LoginAnswer,
        LoginRequest,
        UpdateProfileRequest,
        UserOut,
    )

bp = func.Blueprint()


@bp.route(route="auth/login", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign in with username and password: a session (cookie) and an access token, or the "
                  "second-factor step when you hold a second factor",
          access="public", errors=(400, 401, 403, 413, 415, 422, 429, 503))
async def login(call: Call[LoginRequest, None]) -> Reply[LoginAnswer]:
    from shared import responses, users
    from shared.auth import set_cookie_header
    from shared.models import LoginAnswer
    from shared.second_factors import Started
    rt = call.runtime
    answer = await users.login(rt.db, rt.passwords, rt.tokens, rt.mailer, rt.sign_in_delays, rt.login_policy,
                               rt.session_policy, call.body, call.client_address,
                               call.request.headers.get("user-agent"), call.correlation_id, rt.sign_in_factors)
    if isinstance(answer, Started):
        return Reply(200, LoginAnswer(responses.factor_required_out(answer)))
    return Reply(200, LoginAnswer(responses.login_out(answer, rt.enrolment_pending(answer.user, answer.session))),
                 {"Set-Cookie": set_cookie_header(answer.cookie_secret)})


@bp.route(route="auth/login/factor", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The sign-in's second step: your second factor answers the challenge; a strongly "
                  "authenticated session (cookie) and an access token",
          access="public", errors=(400, 401, 403, 413, 415, 422, 429))
async def login_factor(call: Call[FactorAnswerRequest, None]) -> Reply[LoginAnswer]:
    from shared import responses, users
    from shared.auth import set_cookie_header
    from shared.models import LoginAnswer
    rt = call.runtime
    sign_in = await users.login_factor(rt.db, rt.factors, rt.tokens, rt.login_policy, rt.session_policy, call.body,
                                       call.client_address, call.request.headers.get("user-agent"))
    return Reply(200, LoginAnswer(responses.login_out(sign_in, rt.enrolment_pending(sign_in.user, sign_in.session))),
                 {"Set-Cookie": set_cookie_header(sign_in.cookie_secret)})


@bp.route(route="auth/session", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The current session and its user (counts as activity: 'stay signed in')", access="user",
          errors=(401, 403), during_password_change=True)
async def current_session(call: Call[None, None]) -> CurrentSessionOut:
    from shared import responses, sessions
    assert call.session is not None
    current = await sessions.current(call.runtime.db, call.session)
    return responses.current_session_out(current, call.runtime.enrolment_pending(current.user, current.session))


@bp.route(route="auth/token", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="A fresh access token for the current session (for clients that are not browsers)",
          access="user", errors=(401, 403), during_enrolment=True)
async def refresh_token(call: Call[None, None]) -> AccessTokenOut:
    from shared import sessions
    from shared.models import AccessTokenOut
    token, expires_in = sessions.access_token(call.runtime.tokens, call.principal)
    return AccessTokenOut(access_token=token, expires_in=expires_in)


@bp.route(route="auth/logout", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign out: the session ends on the server, its cookie and tokens with it", access="public",
          status=204, errors=(403,))
async def logout(call: Call[None, None]) -> Reply[None]:
    from shared import sessions
    from shared.auth import clear_cookie_header, signed_out_credentials
    creds = signed_out_credentials(call.request.headers, call.runtime.tokens)
    await sessions.sign_out(call.runtime.db, creds)
    return Reply(204, None, {"Set-Cookie": clear_cookie_header()})


@bp.route(route="me", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="The signed-in user's profile", access="user", errors=(401,), during_enrolment=True)
async def me(call: Call[None, None]) -> UserOut:
    from shared import responses, users
    return responses.user_out(await users.get_user(call.runtime.db, call.principal.id))


@bp.route(route="me", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Change your own name, email or country", access="user",
          errors=(400, 401, 409, 413, 415, 422))
async def update_me(call: Call[UpdateProfileRequest, None]) -> UserOut:
    from shared import responses, users
    return responses.user_out(await users.update_profile(call.runtime.db, call.principal, call.body,
                                                         call.correlation_id))
