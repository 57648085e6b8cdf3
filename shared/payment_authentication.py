"""Strong customer authentication of payments (PSD2 Art. 97, Delegated Regulation (EU) 2018/389).

post_transfer decides, in the posting's own transaction, whether a customer's transfer needs a
second factor (the customer holds one and no exemption covers it) and answers
'authentication_required', moving nothing. The transfer is then pending: a challenge bound to its
amount, currency, source and payee (Art. 5, dynamic linking) is issued, and `confirm` posts exactly
that payment, under the original Idempotency-Key, once a second factor answers that challenge
(shared/second_factors.complete: failures counted, blocked after the limit, the challenge used
once). A passkey signs the challenge value, derived from what the payment is; a code is accepted
only for that challenge, whose binding is what gets posted.
"""

import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from uuid import UUID

from shared import second_factors
from shared.auth import Credentials, Principal
from shared.db import Database
from shared.domain import ScaChallenge, Session, Transfer, TransferPreview
from shared.errors import AccountNotFound, IdempotencyKeyReused, NotFound, StrongAuthenticationRequired
from shared.factor_methods import FactorMethod
from shared.outcomes import PostingOutcome
from shared.repositories import challenges
from shared.repositories.ledger import Posting
from shared.settings import Settings

if TYPE_CHECKING:
    from shared.runtime import Runtime

PURPOSE = "payment"
# post_transfer's p_sca for a payment confirmed with a second factor: no check, the spend reset.
PROVEN: dict[str, object] = {"mode": "proven"}


@dataclass(frozen=True)
class PaymentScaPolicy:
    """The exemptions (RTS Art. 13, 15, 16), the low-value limits in minor units of any currency."""

    own_accounts_exempt: bool
    trusted_payees_exempt: bool
    low_value_max: int
    low_value_total: int
    low_value_payments: int
    challenge_seconds: int
    # A currency's own limits (SCA_LOW_VALUE_BY_CURRENCY): {"GBP": {"low_value_max": ..., ...}}.
    low_value_by_currency: dict[str, dict[str, int]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> "PaymentScaPolicy":
        return cls(own_accounts_exempt=settings.sca_exempt_own_accounts,
                   trusted_payees_exempt=settings.sca_exempt_trusted_payees,
                   low_value_max=_minor(settings.sca_low_value_max),
                   low_value_total=_minor(settings.sca_low_value_total),
                   low_value_payments=settings.sca_low_value_payments,
                   challenge_seconds=settings.sca_payment_challenge_seconds,
                   low_value_by_currency={
                       currency: {"low_value_max": _minor(limits.max), "low_value_total": _minor(limits.total),
                                  "low_value_payments": limits.payments}
                       for currency, limits in settings.sca_low_value_by_currency.items()})

    def check(self) -> dict[str, object]:
        """post_transfer's p_sca for a customer's transfer (it picks the source currency's limits)."""
        return {"mode": "check", "own_accounts": self.own_accounts_exempt,
                "trusted_payees": self.trusted_payees_exempt, "low_value_max": self.low_value_max,
                "low_value_total": self.low_value_total, "low_value_payments": self.low_value_payments,
                "by_currency": self.low_value_by_currency}


def _minor(amount: Decimal) -> int:
    return int(amount.scaleb(2))


@dataclass(frozen=True)
class PaymentAuthentication:
    """What a transfer needs to ask for, and check, a second factor."""

    policy: PaymentScaPolicy
    methods: Sequence[FactorMethod]
    failures: second_factors.FailurePolicy


@dataclass(frozen=True)
class PendingPayment:
    """A transfer waiting for its confirmation, as the customer is shown it."""

    challenge_id: UUID
    amount: int
    currency: str
    from_account: str
    payee_account: str
    payee_name: str | None  # the saved payee's name; None for an account number typed in
    methods: tuple[str, ...]
    passkey_options: dict[str, Any] | None
    expires_at: datetime


def for_runtime(runtime: "Runtime") -> PaymentAuthentication | None:
    """The app's payment SCA: None when SCA_MODE is off (nothing asked, nothing counted)."""
    if not runtime.settings.sca_enforced:
        return None
    factors = runtime.factors
    return PaymentAuthentication(PaymentScaPolicy.from_settings(runtime.settings), factors.methods, factors.policy)


def linked_challenge(nonce: bytes, amount: int, currency: str, from_account: str, to_account: str) -> bytes:
    """The challenge value a passkey signs: a digest of a fresh nonce and what the payment is, so
    an assertion made for one amount or payee is worth nothing for any other."""
    what = json.dumps({"amount": amount, "currency": currency, "from_account": from_account,
                       "to_account": to_account}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(nonce + what.encode()).digest()


def _pending(challenge: ScaChallenge, methods: list[str], options: dict[str, dict[str, Any]]) -> PendingPayment:
    bound = challenge.binding or {}
    return PendingPayment(challenge_id=challenge.id, amount=int(bound["amount"]), currency=str(bound["currency"]),
                          from_account=str(bound["from_account"]), payee_account=str(bound["to_account"]),
                          payee_name=bound.get("payee_name"), methods=tuple(methods),
                          passkey_options=options.get("passkey"), expires_at=challenge.expires_at)


async def ask(db: Database, auth: PaymentAuthentication, caller: Credentials, posting: Posting,
              payee_id: UUID | None, payee_name: str | None) -> PendingPayment:
    """The challenge for a payment post_transfer would not let through without a second factor.
    A retry of the same request under the same key gets the challenge it was given while it is
    open; the same key with another request is refused as post_transfer refuses it."""
    from shared.repositories.ledger import lock_payer

    async with db.unit_of_work() as uow:
        payer = await lock_payer(uow, caller.session_id, caller.secret_hash, caller.user_id,
                                 posting.from_account or "", posting.idempotency_key)
        if payer is None:
            raise AccountNotFound("You have no account with that number.")
        user_id, currency = payer
        issued = await challenges.pending_payment(uow, user_id, posting.idempotency_key)
        if issued is not None and (issued.binding or {}).get("request_hash") != posting.request_hash.hex():
            raise IdempotencyKeyReused("This Idempotency-Key was already used with a different request. Use a new key.")
        if issued is None:
            nonce = os.urandom(32)
            binding = {"idempotency_key": posting.idempotency_key, "request_hash": posting.request_hash.hex(),
                       "from_account": posting.from_account, "to_account": posting.to_account,
                       "payee_id": str(payee_id) if payee_id else None, "payee_name": payee_name,
                       "amount": posting.amount, "currency": currency, "description": posting.description,
                       "nonce": nonce.hex()}
            value = linked_challenge(nonce, posting.amount, currency, posting.from_account or "", posting.to_account)
            issued = await challenges.insert(uow, user_id, PURPOSE, value, binding, auth.policy.challenge_seconds)
        names, options = await second_factors.offered(uow, auth.methods, user_id, issued.challenge)
        await uow.commit()
    return _pending(issued, names, options)


def _not_waiting() -> NotFound:
    return NotFound("No payment of yours waits for confirmation with that id: it may have expired or been "
                    "confirmed already.")


async def confirm(db: Database, auth: PaymentAuthentication | None, caller: Principal, challenge_id: UUID,
                  method: str, proof: Any) -> Transfer:
    """Posts the pending payment once a second factor answers its challenge: exactly that
    payment (the amount, source and payee it is bound to), under its original Idempotency-Key,
    so a retry of the original request then returns this transfer. Another customer's challenge
    is not found before any answer is checked (their failure count is theirs alone); two answers
    at once queue on the challenge's lock, and the second finds it used."""
    from shared import ledger
    from shared.repositories import payees, sessions
    from shared.repositories.ledger import post

    if auth is None:
        raise _not_waiting()
    async with db.reader() as read:
        waiting = await challenges.open_for(read, challenge_id, PURPOSE)
    if waiting is None or waiting.user_id != caller.id or waiting.binding is None:
        raise _not_waiting()
    async with db.unit_of_work() as uow:
        challenge = await second_factors.complete(uow, auth.methods, auth.failures, challenge_id, PURPOSE,
                                                  method, proof)
        bound = challenge.binding or {}
        posted = await post(uow, Posting(
            initiator=caller.id, from_account=str(bound["from_account"]), to_account=str(bound["to_account"]),
            amount=int(bound["amount"]), description=str(bound["description"]), kind="transfer",
            idempotency_key=str(bound["idempotency_key"]), request_hash=bytes.fromhex(str(bound["request_hash"])),
            require_owner=True, session_id=caller.session_id, sca=PROVEN))
        if posted.outcome is PostingOutcome.POSTED:
            if bound.get("payee_id"):
                await payees.mark_paid(uow, UUID(str(bound["payee_id"])))
            if caller.session_id is not None:  # a payment's SCA is a strong authentication of the session
                await sessions.mark_strongly_authenticated(uow, caller.session_id)
        await uow.commit()
    return ledger.transfer_result(posted)


async def require_fresh_sca_to_trust(runtime: "Runtime", session: Session | None, user_id: UUID) -> None:
    """Marking a payee trusted exempts later payments to it from SCA (Art. 13), so a customer who
    holds a second factor proves it freshly first, as before a factor change (shared/strong_auth.py:
    a step-up or a sign-in with the factor within SCA_FRESH_SECONDS): 403 sca-required otherwise.
    A customer without one has nothing to prove it with, and is not asked for SCA when paying."""
    await _require_fresh_sca(runtime, session, user_id)


async def require_sca_to_set_up_series(runtime: "Runtime", session: Session | None, user_id: UUID,
                                       target: TransferPreview) -> None:
    """Setting up a standing order (or a payment on a later date) needs SCA (Art. 14: its later
    payments are exempt, so the series is authenticated once, when it is created), unless the
    exemptions a payment would have cover it: the customer's own account, a trusted payee. The
    proof is a fresh one, as for marking a payee trusted: 403 sca-required otherwise, and the SPA
    steps up and sends the same request again."""
    policy = PaymentScaPolicy.from_settings(runtime.settings)
    exempt = (target.to_own_account and policy.own_accounts_exempt) or \
        (target.trusted_payee and policy.trusted_payees_exempt)
    if exempt:
        return
    await _require_fresh_sca(runtime, session, user_id)


async def _require_fresh_sca(runtime: "Runtime", session: Session | None, user_id: UUID) -> None:
    from shared.strong_auth import require_fresh

    if not runtime.settings.sca_enforced:
        return
    ctx = runtime.factors
    async with runtime.db.reader() as read:
        held = await second_factors.held(read, ctx.methods, user_id)
    if held:
        if session is None:
            raise StrongAuthenticationRequired("Confirm it is you with your second factor first.")
        require_fresh(session, has_factor=True, now=datetime.now(UTC), fresh_seconds=ctx.fresh_seconds)


def require_strong_session(settings: Settings, session: Session | None, doing: str = "recording a deposit") -> None:
    """Staff deposits (issue 17), and a reset of someone's factors: the staff member's session must
    have been strongly authenticated (signed in with a second factor or a passkey, or stepped up)
    while SCA is enforced; 403 sca-required otherwise."""
    if settings.sca_enforced and (session is None or session.strongly_authenticated_at is None):
        raise StrongAuthenticationRequired(f"Sign in with your second factor (or confirm it is you) before {doing}.")
