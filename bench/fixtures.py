"""Bench data written straight into the app's database: customers, funded accounts, tokens,
second factors, trusted payees and long histories. Everything goes through the schema's own rules
(the ledger function for money, both legs of every transfer), so a `python -m ops reconcile` over
the bench database passes.

The senders pay as a real customer's regular payments go under strong customer authentication
(issue 17, SCA_MODE=enforced): each holds an authenticator app and pays saved payees it marked
trusted, so post_transfer runs its whole SCA check and the trusted-payee exemption lets the
payment through without a code (RTS Art. 13).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from shared import account_numbers
from shared.tokens import TokenService

# The description of every transfer the post_transfer-alone script posts (how the bench counts them).
POST_TRANSFER_ALONE_DESCRIPTION = "bench: post_transfer alone"

EUR_SYSTEM_ACCOUNT = "IE16IEBK00000000000001"



def default_sca_check() -> dict[str, object]:
    """post_transfer's p_sca for a customer's transfer under the default settings, as the API sends it."""
    from shared.payment_authentication import PaymentScaPolicy
    from shared.settings import Settings

    return PaymentScaPolicy.from_settings(Settings.model_construct()).check()  # the defaults, no environment


@dataclass(frozen=True)
class Customer:
    user_id: UUID
    username: str
    account: str
    token: str
    payees: tuple[UUID, ...] = ()  # trusted payees it pays (trust_payees)


def connect(url: str) -> psycopg.Connection[Any]:
    conn = psycopg.connect(url, autocommit=True)
    # Setup only: the bench measures commits, it does not need to wait for them while filling.
    conn.execute("SET synchronous_commit = off")
    return conn


def create_customers(url: str, tokens: TokenService, count: int, prefix: str, password_hash: str,
                     funds_cents: int) -> list[Customer]:
    """`count` customers with one EUR account each, funded by a deposit from the bank."""
    run = secrets.token_hex(3)
    names = [f"{prefix}{run}{i:05d}" for i in range(count)]
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        customers = []
        for name in names:
            user_id = cur.execute(
                "INSERT INTO users (username, password_hash, full_name, email, country)"
                " VALUES (%s, %s, 'Bench Customer', %s, 'IE') RETURNING id",
                (name, password_hash, f"{name}@bench.example")).fetchone()[0]  # type: ignore[index]
            number = account_numbers.generate()
            cur.execute("INSERT INTO accounts (number, owner_id, name, currency, country)"
                        " VALUES (%s, %s, 'Bench', 'EUR', 'IE')", (number, user_id))
            outcome = cur.execute(
                "SELECT outcome FROM post_transfer(NULL, NULL, %s, %s, 'bench funds', 'deposit', NULL,"
                " ''::bytea, false)", (number, funds_cents)).fetchone()
            assert outcome is not None and outcome[0] == "posted", outcome
            # A session as a sign-in makes it (its secret thrown away: the bench uses the token).
            session_id = cur.execute(
                "INSERT INTO sessions (user_id, secret_hash, idle_seconds, expires_at)"
                " VALUES (%s, %s, 3600, now() + interval '12 hours') RETURNING id",
                (user_id, secrets.token_bytes(32))).fetchone()[0]  # type: ignore[index]
            customers.append(Customer(user_id, name, number, tokens.issue(user_id, "user", session_id)))
    return customers


def hold_second_factors(url: str, customers: Sequence[Customer]) -> None:
    """A confirmed authenticator app for each customer. Its secret is random bytes, not a secret
    the app could decrypt: the bench never answers with a code (its payments need none)."""
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        cur.executemany("INSERT INTO totp_factors (user_id, secret, confirmed_at) VALUES (%s, %s, now())",
                        [(customer.user_id, secrets.token_bytes(60)) for customer in customers])


def trust_payees(url: str, payers: Sequence[Customer], accounts_of: Sequence[Sequence[str]]) -> list[Customer]:
    """Payer i saves each account of accounts_of[i] as a trusted payee; the payers with their payees."""
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        trusted = []
        for payer, accounts in zip(payers, accounts_of, strict=True):
            ids = [cur.execute("INSERT INTO payees (owner_id, name, account, trusted) VALUES (%s, %s, %s, true)"
                               " RETURNING id", (payer.user_id, f"Payee {n}", account)).fetchone()[0]  # type: ignore[index]
                   for n, account in enumerate(accounts)]
            trusted.append(replace(payer, payees=tuple(ids)))
    return trusted


# How many trusted payees each low-contention sender pays, in turn.
PAYEES_PER_SENDER = 16


def receivers_of(sender_index: int, receivers: Sequence[Customer]) -> list[str]:
    """The receivers a low-contention sender pays: PAYEES_PER_SENDER distinct ones, the first
    being the one the post_transfer-alone script pairs it with."""
    count = min(PAYEES_PER_SENDER, len(receivers))
    return [receivers[(sender_index * 31 + k * 17) % len(receivers)].account for k in range(count)]


# The one entry of a bench history that holds this word (the middle one): the rare search.
RARE_WORD = "zanzibar"


def fill_history(url: str, account: str, entries: int) -> None:
    """`entries` one-cent deposits into `account` (one also described RARE_WORD), in one statement with
    generate_series:
    a transfers row and both ledger legs each, balances moved to match (as post_transfer would)."""
    with connect(url) as conn, conn.transaction():
        conn.execute("SET LOCAL maintenance_work_mem = '256MB'")
        ids = conn.execute("SELECT (SELECT id FROM accounts WHERE number = %s),"
                           " (SELECT id FROM accounts WHERE number = %s)",
                           (account, EUR_SYSTEM_ACCOUNT)).fetchone()
        assert ids is not None
        target, system = ids
        conn.execute("""
            WITH t AS (
                INSERT INTO transfers (debit_account_id, credit_account_id, amount, currency, description,
                                       kind, created_at)
                SELECT %(system)s, %(target)s, 1, 'EUR',
                       'bench history ' || g || CASE WHEN g = %(n)s / 2 THEN ' ' || %(rare)s ELSE '' END,
                       'deposit',
                       now() - make_interval(secs => %(n)s - g)
                  FROM generate_series(1, %(n)s) AS g
                RETURNING id, created_at
            )
            INSERT INTO entries (transfer_id, account_id, counterparty_account_id, amount, created_at)
            SELECT t.id, leg.account_id, leg.counterparty_id, leg.amount, t.created_at
              FROM t CROSS JOIN (VALUES (%(system)s::bigint, %(target)s::bigint, -1::bigint),
                                        (%(target)s::bigint, %(system)s::bigint, 1::bigint))
                                AS leg(account_id, counterparty_id, amount)
             ORDER BY t.created_at, leg.amount
        """, {"system": system, "target": target, "n": entries, "rare": RARE_WORD})
        conn.execute("UPDATE accounts SET balance = balance + %s WHERE id = %s", (entries, target))
        conn.execute("UPDATE accounts SET balance = balance - %s WHERE id = %s", (entries, system))
    with connect(url) as conn:
        conn.execute("VACUUM (ANALYZE) transfers")
        conn.execute("VACUUM (ANALYZE) entries")


def write_lua_data(path: Path, senders: list[Customer], pairs: bool) -> None:
    """The wrk scripts' data: who sends (token, account, the ids of its trusted payees). With
    `pairs`, sender i's one payee is the next sender (a ring of hot accounts)."""
    lines = ["senders = {"]
    for sender in senders:
        payees = ", ".join(f'"{payee}"' for payee in sender.payees)
        lines.append(f'  {{token = "{sender.token}", from = "{sender.account}", payees = {{{payees}}}}},')
    lines.append("}")
    lines.append(f"shared_senders = {'true' if pairs else 'false'}")
    path.write_text("\n".join(lines) + "\n")


def write_post_transfer_script(url: str, path: Path, senders: list[Customer], receivers: list[Customer]) -> None:
    """A pgbench script calling post_transfer as the API does (owner check, fresh Idempotency-Key,
    the SCA check with the default exemptions: each pair's receiver is a trusted payee of its
    sender), for random sender/receiver pairs kept in a table of their own (bench_transfer_pairs)."""
    with connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        cur.execute("CREATE TABLE bench_transfer_pairs (n int PRIMARY KEY, initiator uuid NOT NULL,"
                    " from_account text NOT NULL, to_account text NOT NULL)")
        cur.executemany("INSERT INTO bench_transfer_pairs VALUES (%s, %s, %s, %s)",
                        [(n, sender.user_id, sender.account, receivers_of(n, receivers)[0])
                         for n, sender in enumerate(senders)])
    path.write_text(
        f"\\set n random(0, {len(senders) - 1})\n"
        "SELECT t.* FROM bench_transfer_pairs p, post_transfer(p.initiator, p.from_account, p.to_account, 1,"
        f" '{POST_TRANSFER_ALONE_DESCRIPTION}', 'transfer', md5(random()::text), sha256(p.from_account::bytea), true,"
        f" NULL, NULL, '{json.dumps(default_sca_check())}'::jsonb) t WHERE p.n = :n;\n")
