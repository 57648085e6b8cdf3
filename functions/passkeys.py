from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import UUID

import azure.functions as func

from shared.endpoint import Call, Reply, endpoint

if TYPE_CHECKING:
    from shared.models import (
        AddPasskeyRequest,
        LoginOut,
        PasskeyList,
        PasskeyOptionsOut,
        PasskeyOut,
        PasskeySignInRequest,
        RenamePasskeyRequest,
    )

bp = func.Blueprint()


def _passkey_id(call: Call[Any, None]) -> UUID:
    from shared.errors import PasskeyNotFound
    try:
        return UUID(str(call.request.route_params.get("passkey_id", "")))
    except ValueError:
        raise PasskeyNotFound("You have no passkey with that id.") from None


@bp.route(route="me/passkeys", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Your passkeys: name, when added, when last used", access="user", errors=(401, 403),
          during_enrolment=True)
async def list_passkeys(call: Call[None, None]) -> PasskeyList:
    from shared import passkeys, responses
    return responses.passkey_list(await passkeys.list_passkeys(call.runtime.db, call.principal.id))


@bp.route(route="me/passkeys/options", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Options to create a passkey (navigator.credentials.create); needs a fresh SCA",
          access="user", errors=(401, 403), during_enrolment=True)
async def passkey_registration_options(call: Call[None, None]) -> PasskeyOptionsOut:
    from shared import passkeys
    from shared.models import PasskeyOptionsOut
    assert call.session is not None
    rt = call.runtime
    challenge_id, options = await passkeys.registration_options(
        rt.db, passkeys.relying_party(rt.settings), rt.factor_methods, call.principal, call.session,
        rt.settings.sca_fresh_seconds)
    return PasskeyOptionsOut(challenge_id=challenge_id, passkey_options=options)


@bp.route(route="me/passkeys", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Register a passkey (the answer to its options); needs a fresh SCA, signs you out elsewhere",
          access="user", status=201, errors=(400, 401, 403, 413, 415, 422), during_enrolment=True)
async def add_passkey(call: Call[AddPasskeyRequest, None]) -> PasskeyOut:
    from shared import passkeys, responses
    assert call.session is not None
    rt = call.runtime
    passkey = await passkeys.add(rt.db, passkeys.relying_party(rt.settings), rt.factor_methods, call.principal,
                                 call.session, call.body, rt.settings.sca_fresh_seconds, call.correlation_id)
    return responses.passkey_out(passkey)


@bp.route(route="me/passkeys/{passkey_id}", methods=["PATCH"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Rename a passkey", access="user", errors=(400, 401, 403, 404, 413, 415, 422))
async def rename_passkey(call: Call[RenamePasskeyRequest, None]) -> PasskeyOut:
    from shared import passkeys, responses
    passkey = await passkeys.rename(call.runtime.db, call.principal, _passkey_id(call), call.body.name,
                                    call.correlation_id)
    return responses.passkey_out(passkey)


@bp.route(route="me/passkeys/{passkey_id}", methods=["DELETE"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Remove a passkey; needs a fresh SCA, signs you out elsewhere", access="user", status=204,
          errors=(401, 403, 404))
async def delete_passkey(call: Call[None, None]) -> Reply[None]:
    from shared import passkeys
    assert call.session is not None
    await passkeys.remove(call.runtime.db, call.principal, call.session, _passkey_id(call),
                          call.runtime.settings.sca_fresh_seconds, call.correlation_id)
    return Reply(204)


@bp.route(route="auth/passkey/options", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Options to sign in with a passkey alone (navigator.credentials.get)", access="public",
          errors=(429, 503))
async def passkey_sign_in_options(call: Call[None, None]) -> PasskeyOptionsOut:
    from shared import passkeys
    from shared.models import PasskeyOptionsOut
    rt = call.runtime
    challenge_id, options = await passkeys.sign_in_options(rt.db, passkeys.relying_party(rt.settings),
                                                           rt.login_policy, call.client_address)
    return PasskeyOptionsOut(challenge_id=challenge_id, passkey_options=options)


@bp.route(route="auth/passkey", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@endpoint(summary="Sign in with a passkey alone: a strongly authenticated session (cookie) and an access token",
          access="public", errors=(400, 401, 403, 413, 415, 422, 429, 503))
async def passkey_sign_in(call: Call[PasskeySignInRequest, None]) -> Reply[LoginOut]:
    from shared import passkeys, responses
    from shared.auth import set_cookie_header
    rt = call.runtime
    sign_in = await passkeys.sign_in(rt.db, passkeys.relying_party(rt.settings), rt.tokens, rt.login_policy,
                                     rt.session_policy, call.body, call.client_address,
                                     call.request.headers.get("user-agent"))
    return Reply(200, responses.login_out(sign_in, rt.enrolment_pending(sign_in.user, sign_in.session)),
                 {"Set-Cookie": set_cookie_header(sign_in.cookie_secret)})
