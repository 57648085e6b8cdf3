"""IE Bank's Azure Functions app: wiring only. Each use case is a blueprint in functions/."""

import azure.functions as func

from functions import (
    accounts,
    docs,
    factors,
    health,
    history,
    login,
    maintenance,
    manage_accounts,
    manage_approvals,
    manage_audit,
    manage_deposits,
    manage_users,
    passkeys,
    passwords,
    payees,
    register,
    sessions,
    standing_orders,
    statements,
    transfers,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for module in (health, docs, register, login, sessions, passwords, accounts, transfers, history,
               manage_users, manage_accounts, manage_deposits, manage_audit, maintenance,
               manage_approvals, payees, standing_orders, statements, passkeys, factors):
    app.register_blueprint(module.bp)
docs.describe(app)
