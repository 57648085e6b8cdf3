"""The bank's admin from day one: create or update it from ADMIN_USERNAME / ADMIN_PASSWORD."""

from ops.database import run_use_case
from shared.models import Username
from shared.passwords import PasswordHasher, check_password_policy
from shared.settings import ConfigurationError

PROD_MIN_LENGTH = 12


def check_admin_password(password: str | None, app_env: str) -> str:
    """The written policy everywhere; in prod also at least 12 characters. No default, ever."""
    if not password:
        raise ConfigurationError("ADMIN_PASSWORD (or the Key Vault secret admin-password) is required")
    try:
        check_password_policy(password)
    except ValueError as exc:
        raise ConfigurationError(f"ADMIN_PASSWORD {exc}") from None
    if app_env == "prod" and len(password) < PROD_MIN_LENGTH:
        raise ConfigurationError(f"ADMIN_PASSWORD must have at least {PROD_MIN_LENGTH} characters in prod")
    return password


def ensure_admin(database_url: str, username: str, password: str, app_env: str = "local",
                 bcrypt_rounds: int = 12, email: str | None = None) -> str:
    """Creates the admin, or makes the existing user an active admin with this password.
    Returns "created", "updated" or "unchanged": a second run with the same input changes nothing."""
    from pydantic import TypeAdapter, ValidationError

    from shared.backoffice import ensure_admin as ensure_admin_use_case

    try:
        username = TypeAdapter(Username).validate_python(username)
    except ValidationError:
        raise ConfigurationError("ADMIN_USERNAME must be 3 to 32 letters, digits, '.', '_' or '-'") from None
    check_admin_password(password, app_env)
    return run_use_case(database_url, lambda db: ensure_admin_use_case(
        db, PasswordHasher(bcrypt_rounds, threads=1), username, password, email))
