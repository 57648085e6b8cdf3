"""The edge's last step: the use cases' records (shared/domain.py) as response bodies (shared/models.py)."""

from dataclasses import asdict
from uuid import UUID

from shared.domain import (
    Account,
    AuditRecord,
    CurrentSession,
    CustomerDetail,
    CustomerSummary,
    Entry,
    Page,
    Registration,
    Session,
    SignIn,
    Transfer,
    TransferPreview,
    User,
)
from shared.models import (
    AccountList,
    AccountOut,
    AuditPage,
    AuditRecordOut,
    CurrencyBalance,
    CurrentSessionOut,
    EntryOut,
    EntryPage,
    LoginOut,
    ManagedUserDetail,
    ManagedUserSummary,
    RegisterOut,
    SessionList,
    SessionOut,
    SessionSummaryOut,
    TransferOut,
    TransferPreviewOut,
    UserOut,
    UserPage,
)
from shared.money import format_minor


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


def login_out(sign_in: SignIn) -> LoginOut:
    return LoginOut(access_token=sign_in.access_token, expires_in=sign_in.expires_in, user=user_out(sign_in.user),
                    session=session_out(sign_in.session),
                    password_change_required=sign_in.session.password_change_required)


def current_session_out(current: CurrentSession) -> CurrentSessionOut:
    return CurrentSessionOut(user=user_out(current.user), session=session_out(current.session),
                             password_change_required=current.session.password_change_required)


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
                                             "accounts": [account_out(account) for account in detail.accounts]})


def audit_page(page: Page[AuditRecord]) -> AuditPage:
    return AuditPage(items=[AuditRecordOut.model_validate(asdict(record)) for record in page.items],
                     next_cursor=page.next_cursor)


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
