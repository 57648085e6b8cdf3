"""Checks the books: every balance equals its ledger, every transfer has two matching legs, and
the bank's system accounts mirror all deposits, so all balances of a currency sum to zero."""

import psycopg

_CHECKS: list[tuple[str, str]] = [
    ("balance differs from its ledger entries",
     """SELECT a.number, a.balance, coalesce(sum(e.amount), 0) AS ledger
          FROM accounts a LEFT JOIN entries e ON e.account_id = a.id
         GROUP BY a.id HAVING a.balance <> coalesce(sum(e.amount), 0)"""),
    ("customer balance is negative",
     "SELECT number, balance FROM accounts WHERE kind = 'customer' AND balance < 0"),
    ("transfer does not have exactly two legs that cancel out",
     """SELECT t.id, count(e.id) AS legs, coalesce(sum(e.amount), 0) AS total
          FROM transfers t LEFT JOIN entries e ON e.transfer_id = t.id
         GROUP BY t.id
        HAVING count(e.id) <> 2 OR coalesce(sum(e.amount), 0) <> 0
            OR bool_or(e.amount < 0 AND e.account_id <> t.debit_account_id)
            OR bool_or(e.amount > 0 AND e.account_id <> t.credit_account_id)
            OR bool_or(abs(e.amount) <> t.amount)"""),
    ("balances of the currency do not sum to zero",
     "SELECT currency, sum(balance) AS total FROM accounts GROUP BY currency HAVING sum(balance) <> 0"),
    ("system account does not mirror the deposits",
     """SELECT s.number, s.balance,
               -coalesce((SELECT sum(t.amount) FROM transfers t
                           WHERE t.kind = 'deposit' AND t.debit_account_id = s.id), 0) AS expected
          FROM accounts s
         WHERE s.kind = 'system'
           AND s.balance <> -coalesce((SELECT sum(t.amount) FROM transfers t
                                        WHERE t.kind = 'deposit' AND t.debit_account_id = s.id), 0)"""),
]


def reconcile(database_url: str) -> list[str]:
    """Every difference found, one line each; an empty list means the books balance."""
    differences = []
    with psycopg.connect(database_url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")  # one consistent view
        for problem, query in _CHECKS:
            for row in conn.execute(query).fetchall():  # type: ignore[arg-type]
                differences.append(f"{problem}: {', '.join(str(value) for value in row)}")
    return differences
