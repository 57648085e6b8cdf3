"""IE Bank's Azure Functions app: wiring only. Each use case is a blueprint in functions/."""

import azure.functions as func

from functions import (
    accounts,
    docs,
    health,
    history,
    login,
    maintenance,
    manage_accounts,
    manage_audit,
    manage_deposits,
    manage_users,
    passwords,
    register,
    sessions,
    statements,
    transfers,
)

app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)

for module in (health, docs, register, login, sessions, passwords, accounts, transfers, history,
               manage_users, manage_accounts, manage_deposits, manage_audit, maintenance):
    app.register_blueprint(module.bp)
app.register_blueprint(statements.bp)  # statements of account (issue 16)
docs.describe(app)
