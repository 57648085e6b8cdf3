"""Operator commands: python -m ops {migrate,create-admin,seed-demo,reconcile,openapi,purge-idempotency-keys}."""

import argparse
import json
import sys

from shared.settings import ConfigurationError, load_settings


def _database_url() -> str:
    settings = load_settings()
    if not settings.database_url:
        raise ConfigurationError("DATABASE_URL is required")
    if settings.database_auth == "entra":
        from urllib.parse import quote, urlsplit, urlunsplit

        from shared.keyvault import entra_database_password

        parts = urlsplit(settings.database_url)
        netloc = f"{parts.username}:{quote(entra_database_password(), safe='')}@{parts.hostname}:{parts.port or 5432}"
        return urlunsplit(parts._replace(netloc=netloc))
    return settings.database_url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    migrate = commands.add_parser("migrate", help="apply pending migrations")
    migrate.add_argument("--app-role", help="the app's login role: make it a member of iebank_runtime and give it "
                                            "DB_STATEMENT_TIMEOUT_MS as its default (needed through PgBouncer)")
    migrate.add_argument("--dry-run", action="store_true",
                         help="list the migration files and the role it would set up; connect to nothing")
    commands.add_parser("create-admin", help="create or update the admin from ADMIN_USERNAME/ADMIN_PASSWORD")
    commands.add_parser("seed-demo", help="create demo users and accounts (not in prod)")
    commands.add_parser("reconcile", help="check every balance against the ledger; exit 1 on a difference")
    commands.add_parser("openapi", help="print the OpenAPI document")
    purge = commands.add_parser("purge-idempotency-keys", help="delete idempotency keys older than --hours")
    purge.add_argument("--hours", type=int, default=48)
    args = parser.parse_args(argv)

    try:
        if args.command == "openapi":
            import function_app
            from shared.openapi import build_document, registered_functions

            json.dump(build_document(registered_functions(function_app.app)), sys.stdout, indent=2)
            print()
            return 0
        if args.command == "migrate" and args.dry_run:
            from ops.migrations import repeatable_files, versioned_files

            names = [path.name for path in versioned_files() + repeatable_files()]
            print("dry run: would apply, when new or changed: " + ", ".join(names))
            if args.app_role:
                print(f"dry run: would set up the runtime database role {args.app_role}")
            return 0
        url = _database_url()
        if args.command == "migrate":
            from ops.migrations import apply_migrations

            applied = apply_migrations(url)
            print("applied: " + (", ".join(applied) if applied else "nothing (up to date)"))
            if args.app_role:
                from ops.migrations import set_role_statement_timeout
                from ops.runtime_role import RUNTIME_ROLE, grant_runtime_role

                outcome = grant_runtime_role(url, args.app_role)
                print(f"role {args.app_role}: {outcome}, member of {RUNTIME_ROLE}")
                timeout_ms = load_settings().db_statement_timeout_ms
                set_role_statement_timeout(url, args.app_role, timeout_ms)
                print(f"statement_timeout of role {args.app_role}: {timeout_ms} ms")
        elif args.command == "create-admin":
            from ops.admin import ensure_admin

            settings = load_settings()
            password = settings.admin_password.get_secret_value() if settings.admin_password else ""
            if not settings.admin_username:
                raise ConfigurationError("ADMIN_USERNAME is required")
            result = ensure_admin(url, settings.admin_username, password, settings.app_env, settings.bcrypt_rounds)
            print(f"admin {settings.admin_username}: {result}")
        elif args.command == "seed-demo":
            if load_settings().app_env == "prod":
                raise ConfigurationError("demo data is never seeded when APP_ENV is prod")
            from ops.demo import seed_demo_data

            for credential in seed_demo_data(url):
                print(f"{credential['role']:6} {credential['username']:12} {credential['password']}")
        elif args.command == "reconcile":
            from ops.reconcile import reconcile

            differences = reconcile(url)
            for line in differences:
                print(line)
            print(f"{len(differences)} difference(s)")
            return 1 if differences else 0
        elif args.command == "purge-idempotency-keys":
            from ops.database import run_use_case
            from shared.maintenance import purge_expired

            purged = run_use_case(url, lambda db: purge_expired(db, args.hours))
            print(f"deleted {purged.idempotency_keys} idempotency key(s), {purged.login_throttles} stale login"
                  f" throttle(s), {purged.auth_throttles} ended address throttle(s), {purged.sessions} ended session(s)"
                  f" and {purged.reset_links} old reset link(s)")
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
