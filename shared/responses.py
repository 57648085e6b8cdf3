"""The edge's last step: the use cases' records (shared/domain.py) as response bodies (shared/models.py)."""

from dataclasses import asdict
from typing import TYPE_CHECKING
from uuid import UUID

from shared.domain import (
    Account,
    AuditRecord,
    BalanceHistory,
    CurrentSession,
    CustomerDetail,
    CustomerSummary,
    DepositApproval,
    Entry,
    Execution,
    Page,
    Registration,
    Session,
    SignIn,
    StandingOrder,
    Transfer,
    TransferPreview,
    User,
)
from shared.models import (
    AccountList,
    AccountOut,
    AuditPage,
    AuditRecordOut,
    BalanceHistoryOut,
    BalancePointOut,
    CurrencyBalance,
    CurrentSessionOut,
    DepositApprovalOut,
    DepositApprovalPage,
    EntryOut,
    EntryPage,
    ExecutionList,
    ExecutionOut,
    FactorRequiredOut,
    LoginOut,
    ManagedUserDetail,
    ManagedUserSummary,
    RegisterOut,
    SessionList,
    SessionOut,
    SessionSummaryOut,
    StandingOrderList,
    StandingOrderOut,
    TransferOut,
    TransferPreviewOut,
    UserOut,
    UserPage,
)
from shared.money import format_minor

if TYPE_CHECKING:
    from shared.domain import Payee, PayeeVerification
    from shared.models import PayeeList, PayeeOut, PayeeVerificationOut
    from shared.second_factors import Started


def user_out(user: User) -> UserOut:
    return UserOut.model_validate(asdict(user))


def account_out(account: Account) -> AccountOut:
    return AccountOut.model_validate({**asdict(account), "balance": format_minor(account.balance)})


def account_list(accounts: list[Account]) -> AccountList:
    return AccountList(items=[account_out(account) for account in accounts])


def register_out(registration: Registration) -> RegisterOut:
    return RegisterOut(user=user_out(registration.user), account=account_out(registration.account))


def session_out(session: Session) -> SessionOut:
    return SessionOut(id=session.id, created_at=session.created_at, expires_at=session.expires_at,
                      idle_expires_at=session.idle_expires_at,
                      idle_seconds=max(0, int((session.idle_expires_at - session.last_used_at).total_seconds())))


def login_out(sign_in: SignIn, enrolment_pending: bool) -> LoginOut:
    return LoginOut(access_token=sign_in.access_token, expires_in=sign_in.expires_in, user=user_out(sign_in.user),
                    session=session_out(sign_in.session),
                    password_change_required=sign_in.session.password_change_required,
                    factor_enrolment_required=enrolment_pending)


def factor_required_out(started: "Started") -> FactorRequiredOut:
    return FactorRequiredOut(challenge_id=started.challenge.id, methods=started.methods,
                             passkey_options=started.options.get("passkey"))


def current_session_out(current: CurrentSession, enrolment_pending: bool) -> CurrentSessionOut:
    return CurrentSessionOut(user=user_out(current.user), session=session_out(current.session),
                             password_change_required=current.session.password_change_required,
                             factor_enrolment_required=enrolment_pending)


def session_list(sessions: list[Session], current_id: UUID | None) -> SessionList:
    return SessionList(items=[SessionSummaryOut(id=s.id, created_at=s.created_at, last_used_at=s.last_used_at,
                                                user_agent=s.user_agent, current=s.id == current_id)
                              for s in sessions])


def transfer_out(transfer: Transfer) -> TransferOut:
    return TransferOut(id=transfer.id, from_account=transfer.from_account, to_account=transfer.to_account,
                       amount=format_minor(transfer.amount), currency=transfer.currency,
                       description=transfer.description, kind=transfer.kind,
                       created_at=transfer.created_at)


def transfer_preview_out(preview: TransferPreview) -> TransferPreviewOut:
    return TransferPreviewOut(from_account=preview.from_account, to_account=preview.to_account,
                              amount=format_minor(preview.amount), currency=preview.currency,
                              recipient_status=preview.recipient_status)


def entry_out(entry: Entry) -> EntryOut:
    return EntryOut(id=entry.transfer_id, account=entry.account, counterparty_account=entry.counterparty_account,
                    counterparty_name=entry.counterparty_name,
                    direction="debit" if entry.amount < 0 else "credit", amount=format_minor(abs(entry.amount)),
                    currency=entry.currency, description=entry.description, kind=entry.kind,
                    created_at=entry.created_at)


def entry_page(page: Page[Entry]) -> EntryPage:
    return EntryPage(items=[entry_out(entry) for entry in page.items], next_cursor=page.next_cursor)


def user_summary(summary: CustomerSummary) -> ManagedUserSummary:
    return ManagedUserSummary.model_validate({
        **asdict(summary.user), "account_count": summary.account_count,
        "balances": [CurrencyBalance(currency=currency, balance=format_minor(total))
                     for currency, total in summary.balances.items()]})


def user_page(page: Page[CustomerSummary]) -> UserPage:
    return UserPage(items=[user_summary(summary) for summary in page.items], next_cursor=page.next_cursor)


def user_detail(detail: CustomerDetail) -> ManagedUserDetail:
    return ManagedUserDetail.model_validate({**asdict(detail.user),
                                             "accounts": [account_out(account) for account in detail.accounts],
                                             "second_factor_blocked_until": detail.second_factor_blocked_until,
                                             "second_factor_locked": detail.second_factor_locked})


def audit_page(page: Page[AuditRecord]) -> AuditPage:
    return AuditPage(items=[AuditRecordOut.model_validate(asdict(record)) for record in page.items],
                     next_cursor=page.next_cursor)



def deposit_approval_out(approval: DepositApproval) -> DepositApprovalOut:
    return DepositApprovalOut.model_validate({**asdict(approval), "amount": format_minor(approval.amount)})


def deposit_approval_page(page: Page[DepositApproval]) -> DepositApprovalPage:
    return DepositApprovalPage(items=[deposit_approval_out(item) for item in page.items],
                               next_cursor=page.next_cursor)


def outcome_slug(word: str) -> str:
    """A post_transfer outcome word as the API shows it on a standing order: 'posted', or the
    refusal hyphenated (insufficient-funds, source-frozen, recipient-closed, caller-inactive...),
    which says whose account it was, as a problem slug could not."""
    return "posted" if word in ("posted", "replayed") else word.replace("_", "-")


def standing_order_out(order: StandingOrder) -> StandingOrderOut:
    return StandingOrderOut.model_validate({
        **asdict(order), "amount": format_minor(order.amount), "count": order.max_count,
        "stopped_reason": outcome_slug(order.stopped_reason) if order.stopped_reason else None})


def standing_order_list(orders: list[StandingOrder]) -> StandingOrderList:
    return StandingOrderList(items=[standing_order_out(order) for order in orders])


def execution_list(executions: list[Execution]) -> ExecutionList:
    return ExecutionList(items=[ExecutionOut.model_validate({**asdict(execution),
                                                             "outcome": outcome_slug(execution.outcome)})
                                for execution in executions])


def payee_out(payee: "Payee") -> "PayeeOut":
    from shared.models import PayeeOut

    return PayeeOut.model_validate(asdict(payee))


def payee_list(payees: "list[Payee]") -> "PayeeList":
    from shared.models import PayeeList

    return PayeeList(items=[payee_out(payee) for payee in payees])


def payee_verification_out(verification: "PayeeVerification") -> "PayeeVerificationOut":
    from shared.models import PayeeVerificationOut

    if verification.holder_name is None:
        return PayeeVerificationOut(result=verification.result)
    return PayeeVerificationOut(result=verification.result, name=verification.holder_name)


def balance_history_out(history: BalanceHistory) -> BalanceHistoryOut:
    points = [BalancePointOut(at=p.at, amount=format_minor(p.amount), balance=format_minor(p.balance))
              for p in history.points]
    return BalanceHistoryOut(account=history.account, currency=history.currency,
                             balance=format_minor(history.balance), points=points, complete=history.complete)


AUDIT_CSV_COLUMNS = ("id", "created_at_utc", "actor", "action", "target_type", "target", "target_id", "changes",
                     "correlation_id")


def audit_csv(records: list[AuditRecord]) -> bytes:
    """The audit trail as a spreadsheet reads it: times in UTC as `2026-12-03 09:15:02`, the
    target's label beside its id, the changes as compact JSON."""
    import json
    from datetime import UTC

    from shared import csv_export

    return csv_export.render(AUDIT_CSV_COLUMNS, (
        (r.id, r.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"), r.actor_username, r.action,
         r.target_type, r.target_label, r.target_id,
         json.dumps(r.changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False), r.correlation_id)
        for r in records))


# --- Passkeys (issue 17) -------------------------------------------------------------------------

if TYPE_CHECKING:
    from shared.domain import Passkey
    from shared.models import PasskeyList, PasskeyOut


def passkey_out(passkey: "Passkey") -> "PasskeyOut":
    from shared.models import PasskeyOut

    return PasskeyOut(id=passkey.id, name=passkey.name, created_at=passkey.created_at,
                      last_used_at=passkey.last_used_at)


def passkey_list(passkeys: "list[Passkey]") -> "PasskeyList":
    from shared.models import PasskeyList

    return PasskeyList(items=[passkey_out(passkey) for passkey in passkeys])


# --- Payment SCA (issue 17) ----------------------------------------------------------------------

if TYPE_CHECKING:
    from shared.models import PendingPaymentOut
    from shared.payment_authentication import PendingPayment


def pending_payment_out(pending: "PendingPayment") -> "PendingPaymentOut":
    from shared.models import PaymentPayeeOut, PendingPaymentOut

    return PendingPaymentOut(challenge_id=pending.challenge_id, amount=format_minor(pending.amount),
                             currency=pending.currency, from_account=pending.from_account,
                             payee=PaymentPayeeOut(account=pending.payee_account, name=pending.payee_name),
                             methods=list(pending.methods), passkey_options=pending.passkey_options,
                             expires_at=pending.expires_at)
