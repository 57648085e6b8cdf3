"""The app's configuration: one typed object, read from the environment once per worker.

When KEY_VAULT_URL is set, the secrets are read from Azure Key Vault instead (see
shared/keyvault.py). Missing or unsafe configuration fails at start with a message that names
the variable. Development defaults (a generated signing key, no TLS to a local database) exist
only for APP_ENV local and test.
"""

import secrets
from decimal import Decimal
from typing import Literal
from urllib.parse import parse_qs, urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.errors import ConfigurationError
from shared.money import CURRENCIES

__all__ = ["ConfigurationError", "Settings", "load_settings"]

Environment = Literal["local", "test", "dev", "uat", "prod"]
_DEVELOPMENT = ("local", "test")
_TLS_MODES = ("require", "verify-ca", "verify-full")


class LowValueLimits(BaseModel):
    """The low-value exemption's limits in one currency (SCA_LOW_VALUE_BY_CURRENCY), in its units."""

    max: Decimal = Field(ge=0, le=1_000_000, decimal_places=2)
    total: Decimal = Field(ge=0, le=1_000_000, decimal_places=2)
    payments: int = Field(ge=0, le=1000)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", case_sensitive=False)

    app_env: Environment = "local"
    database_url: str | None = None
    database_auth: Literal["password", "entra"] = "password"
    db_pool_min_size: int = Field(default=1, ge=0, le=50)
    db_pool_max_size: int = Field(default=4, ge=1, le=100)
    db_pool_timeout_seconds: float = Field(default=5.0, gt=0, le=25)  # under the 30 s functionTimeout
    db_statement_timeout_ms: int = Field(default=5000, ge=100, le=600_000)
    db_pgbouncer: bool = False

    key_vault_url: str | None = None
    jwt_signing_key: SecretStr | None = None
    jwt_previous_signing_key: SecretStr | None = None
    jwt_issuer: str = "iebank"
    jwt_audience: str = "iebank-api"
    # An access token names a session and dies with it; it is short so a stolen one is soon useless.
    jwt_ttl_seconds: int = Field(default=300, ge=10, le=300)
    # EU online banking (Delegated Regulation (EU) 2018/389, Art. 4(3)(d)): at most 5 minutes idle.
    session_idle_seconds: int = Field(default=300, ge=2, le=3600)
    session_max_seconds: int = Field(default=43_200, ge=60, le=7 * 86_400)

    bcrypt_rounds: int = Field(default=12, ge=4, le=16)
    # Password hashes in flight per worker; one more is refused at once (503, Retry-After: 1)
    # rather than queued behind them, so a flood of anonymous sign-ins cannot starve the instance.
    bcrypt_max_concurrent: int = Field(default=8, ge=1, le=256)
    # Sign-in failures per (username, client address) in the window; past it that pair gets 429.
    # The same count per username, from anywhere, only delays (growing back-off) and warns the holder.
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_window_seconds: int = Field(default=900, ge=1, le=86_400)
    # Anonymous sign-ins, registrations, reset requests and confirmations per client address and minute: more
    # than a person ever makes, raised for load tests.
    auth_address_limit_per_minute: int = Field(default=60, ge=1, le=10_000_000)
    # Verification of Payee (issue 16): name scores out of 100 (shared/name_matching.py), and checks
    # per customer and hour, so the check cannot be used to harvest holders' names.
    vop_match_score: int = Field(default=100, ge=50, le=100)
    vop_close_match_score: int = Field(default=85, ge=50, le=100)
    vop_checks_per_hour: int = Field(default=20, ge=1, le=10_000_000)

    # Password-reset email: Azure Communication Services in Azure (managed identity), SMTP locally.
    mail_transport: Literal["smtp", "acs", "none"] = "smtp"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=1025, ge=1, le=65_535)
    acs_email_endpoint: str | None = None
    mail_sender: str = "no-reply@iebank.localhost"
    # Where the SPA is served: the reset link in the email points there.
    public_base_url: str = "http://localhost:4280"

    # Standing orders (issue 16): an occurrence refused for insufficient funds is tried again this
    # many minutes later, the same bank day, up to this many attempts in all; then it has failed.
    standing_order_retry_minutes: int = Field(default=120, ge=1, le=1440)
    standing_order_max_attempts: int = Field(default=3, ge=1, le=24)

    admin_username: str | None = None
    admin_password: SecretStr | None = None

    # Dual control and limits (issue 16): a cash deposit strictly above this amount (in the
    # account's currency) waits for a second admin; a customer holds at most this many open accounts.
    deposit_approval_threshold: Decimal = Field(default=Decimal("10000.00"), ge=0, le=1_000_000_000, decimal_places=2)
    max_accounts_per_customer: int = Field(default=10, ge=1, le=1000)

    # Passkeys (issue 17): the relying party browsers bind credentials to (a domain, never an IP
    # address), its name as authenticators show it, and the origins (comma-separated) a ceremony may
    # come from. Locally the SWA emulator on localhost:4280 and Vite on localhost:5173.
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str = "IE Bank"
    webauthn_origins: str = "http://localhost:4280,http://localhost:5173"
    # Strong customer authentication (issue 17). The TOTP secrets are encrypted at rest under this
    # key (AES-GCM); outside prod a fixed development key stands in, so the ops commands and the
    # app agree on it. A factor change needs a strong authentication at most this many seconds old;
    # this many wrong second-factor answers in a row block the user's factors for the block time,
    # and this many blocks in a row lock them until the bank unblocks them.
    totp_encryption_key: SecretStr | None = None
    sca_fresh_seconds: int = Field(default=300, ge=30, le=3600)
    factor_max_failures: int = Field(default=5, ge=1, le=5)
    factor_block_seconds: int = Field(default=900, ge=60, le=86_400)
    factor_max_blocks: int = Field(default=3, ge=1, le=100)
    # `off` lifts every second-factor requirement (sign-in step, enrolment gate, payments), for
    # local load tests only: prod accepts `enforced` alone. With SCA_REQUIRED_FOR_CUSTOMERS a
    # customer without a second factor is sent to enrol before anything else (staff always are).
    sca_mode: Literal["enforced", "off"] = "enforced"
    sca_required_for_customers: bool = False
    # Strong customer authentication of payments (issue 17, RTS 2018/389): the exemptions, each a
    # setting. Between one's own accounts (Art. 15); to payees marked trusted (Art. 13); low-value
    # payments of at most sca_low_value_max while the spend since the last SCA stays within
    # sca_low_value_total and sca_low_value_payments (Art. 16), in each currency's own minor units
    # unless sca_low_value_by_currency sets a currency's own, as JSON:
    # {"GBP": {"max": "25.00", "total": "85.00", "payments": 5}}.
    sca_exempt_own_accounts: bool = True
    sca_exempt_trusted_payees: bool = True
    sca_low_value_max: Decimal = Field(default=Decimal("30.00"), ge=0, le=1_000_000, decimal_places=2)
    sca_low_value_total: Decimal = Field(default=Decimal("100.00"), ge=0, le=1_000_000, decimal_places=2)
    sca_low_value_payments: int = Field(default=5, ge=0, le=1000)
    sca_low_value_by_currency: dict[str, LowValueLimits] = Field(default_factory=dict)
    # How long a payment waits for its confirmation.
    sca_payment_challenge_seconds: int = Field(default=300, ge=30, le=3600)

    log_format: Literal["json", "text"] = "json"
    applicationinsights_connection_string: SecretStr | None = None

    @property
    def deposit_approval_threshold_minor(self) -> int:
        return int(self.deposit_approval_threshold.scaleb(2))

    @property
    def relying_party_id(self) -> str:
        return self.webauthn_rp_id or "localhost"

    @property
    def webauthn_origin_list(self) -> tuple[str, ...]:
        return tuple(origin.strip().rstrip("/") for origin in self.webauthn_origins.split(",") if origin.strip())

    @property
    def sca_enforced(self) -> bool:
        return self.sca_mode == "enforced"

    @property
    def is_development(self) -> bool:
        return self.app_env in _DEVELOPMENT

    @field_validator("key_vault_url", "database_url", "admin_username", "acs_email_endpoint", "webauthn_rp_id",
                     mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("jwt_signing_key", "jwt_previous_signing_key", "admin_password",
                     "applicationinsights_connection_string", "totp_encryption_key", mode="before")
    @classmethod
    def _blank_secret_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _safe_outside_development(self) -> "Settings":
        if self.db_pool_min_size > self.db_pool_max_size:
            raise ConfigurationError("DB_POOL_MIN_SIZE must not exceed DB_POOL_MAX_SIZE")
        if self.vop_close_match_score > self.vop_match_score:
            raise ConfigurationError("VOP_CLOSE_MATCH_SCORE must not exceed VOP_MATCH_SCORE")
        if not self.webauthn_origin_list:
            raise ConfigurationError("WEBAUTHN_ORIGINS must name at least one origin")
        if self.totp_encryption_key is not None and len(self.totp_encryption_key.get_secret_value()) < 32:
            raise ConfigurationError("TOTP_ENCRYPTION_KEY must be at least 32 characters")
        if unknown := sorted(set(self.sca_low_value_by_currency) - set(CURRENCIES)):
            raise ConfigurationError("SCA_LOW_VALUE_BY_CURRENCY names currencies the bank does not hold: "
                                     + ", ".join(unknown))
        if self.is_development:
            return self
        if self.app_env == "prod" and self.session_idle_seconds > 300:
            raise ConfigurationError("SESSION_IDLE_SECONDS must be at most 300 when APP_ENV is prod "
                                     "(Delegated Regulation (EU) 2018/389, Art. 4(3)(d))")
        if not self.database_url:
            raise ConfigurationError("DATABASE_URL is required when APP_ENV is " + self.app_env)
        if _sslmode(self.database_url) not in _TLS_MODES:
            raise ConfigurationError(
                "DATABASE_URL must require TLS (sslmode=require, verify-ca or verify-full) "
                "when APP_ENV is " + self.app_env
            )
        # In Azure the reset email goes through Communication Services with the app's identity:
        # an SMTP sink on localhost there would swallow every reset link without a word.
        if self.mail_transport != "acs" or not self.acs_email_endpoint:
            raise ConfigurationError("MAIL_TRANSPORT=acs and ACS_EMAIL_ENDPOINT are required when APP_ENV is "
                                     + self.app_env)
        if not self.public_base_url.startswith("https://"):
            raise ConfigurationError("PUBLIC_BASE_URL must be an https:// address when APP_ENV is " + self.app_env)
        if self.app_env == "prod":
            if self.sca_mode != "enforced":
                raise ConfigurationError("SCA_MODE must be enforced when APP_ENV is prod")
            if not self.webauthn_rp_id:
                raise ConfigurationError("WEBAUTHN_RP_ID is required when APP_ENV is prod")
            if not all(origin.startswith("https://") for origin in self.webauthn_origin_list):
                raise ConfigurationError("WEBAUTHN_ORIGINS must be https:// origins when APP_ENV is prod")
        return self

    def require_signing_key(self) -> None:
        """Outside development a real key is mandatory; in development one is generated."""
        if self.jwt_signing_key is not None:
            if len(self.jwt_signing_key.get_secret_value()) < 32:
                raise ConfigurationError("JWT_SIGNING_KEY must be at least 32 characters")
            return
        if not self.is_development:
            raise ConfigurationError(
                "JWT_SIGNING_KEY (or the Key Vault secret jwt-signing-key) is required "
                "when APP_ENV is " + self.app_env
            )
        self.jwt_signing_key = SecretStr(secrets.token_urlsafe(48))


_DEVELOPMENT_TOTP_KEY = "iebank-development-totp-key-never-for-production"  # used outside prod only


def totp_key(settings: Settings) -> bytes:
    """The 256-bit AES key the TOTP secrets are encrypted under."""
    import hashlib

    given = settings.totp_encryption_key
    if given is None and settings.app_env == "prod":
        raise ConfigurationError("TOTP_ENCRYPTION_KEY (or the Key Vault secret totp-encryption-key) is required "
                                 "when APP_ENV is prod")
    return hashlib.sha256((given.get_secret_value() if given else _DEVELOPMENT_TOTP_KEY).encode()).digest()


def _sslmode(database_url: str) -> str | None:
    if "://" in database_url:
        values = parse_qs(urlsplit(database_url).query).get("sslmode")
        return values[-1] if values else None
    for part in database_url.split():
        key, _, value = part.partition("=")
        if key == "sslmode":
            return value
    return None


def load_settings() -> Settings:
    """Reads the environment (and Key Vault when configured) and validates everything."""
    from pydantic import ValidationError

    try:
        settings = Settings()
    except ValidationError as exc:
        names = ", ".join(str(err["loc"][0]).upper() for err in exc.errors() if err["loc"])
        raise ConfigurationError(f"invalid configuration: {names or exc.title}") from None
    if settings.key_vault_url:
        from shared.keyvault import apply_key_vault_secrets

        apply_key_vault_secrets(settings)
    settings.require_signing_key()
    return settings
