"""What a worker builds once and every request shares: settings, the pool, tokens, hashing, the
sign-in back-off.

Built on the first request, never at import time (cold start is import time), and importing
this module is what pulls in the heavy libraries (pydantic-settings, psycopg, PyJWT). Nothing
here touches the network: the pool opens on the first unit of work, in the worker's event loop.
"""

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from shared.db import Database
from shared.mail import AcsMailer, Mailer, NoMailer, SmtpMailer
from shared.passwords import PasswordHasher
from shared.sessions import SessionPolicy
from shared.settings import Settings, load_settings
from shared.sign_in_delay import SignInDelays
from shared.tokens import TokenService
from shared.users import LoginPolicy

if TYPE_CHECKING:
    from shared.domain import Session, User
    from shared.factor_methods import FactorMethod
    from shared.factors import FactorContext


@dataclass
class Runtime:
    settings: Settings
    db: Database
    tokens: TokenService
    passwords: PasswordHasher
    login_policy: LoginPolicy
    session_policy: SessionPolicy
    mailer: Mailer
    sign_in_delays: SignInDelays
    # The second factors a user may hold (shared/factor_methods.py), in the order they are offered.
    factor_methods: "tuple[FactorMethod, ...]" = field(default=())

    @property
    def factors(self) -> "FactorContext":
        from shared.factors import FactorContext
        from shared.second_factors import FailurePolicy
        from shared.settings import totp_key

        return FactorContext(self.factor_methods, totp_key(self.settings), self.settings.sca_fresh_seconds,
                             FailurePolicy(self.settings.factor_max_failures, self.settings.factor_block_seconds,
                                           self.settings.factor_max_blocks))

    @property
    def sign_in_factors(self) -> "FactorContext | None":
        """The second factors a sign-in asks for; none when SCA_MODE is off."""
        return self.factors if self.settings.sca_enforced else None

    def enrolment_pending(self, user: "User", session: "Session") -> bool:
        from shared.strong_auth import enrolment_pending

        return enrolment_pending(user, session, enforced=self.settings.sca_enforced,
                                 customers_required=self.settings.sca_required_for_customers)

    @classmethod
    def from_settings(cls, settings: Settings) -> "Runtime":
        settings.require_signing_key()
        assert settings.jwt_signing_key is not None
        connection_string = settings.applicationinsights_connection_string
        if connection_string is not None:  # otherwise nothing of OpenTelemetry is imported
            from shared import telemetry

            telemetry.configure(connection_string.get_secret_value())
        password_provider = None
        if settings.database_auth == "entra":
            from shared.keyvault import entra_database_password

            password_provider = entra_database_password
        previous = settings.jwt_previous_signing_key
        from shared.passkeys import PasskeyFactor
        from shared.settings import totp_key
        from shared.totp import RecoveryCodeFactor, TOTPFactor

        factor_methods = (PasskeyFactor(settings.relying_party_id, settings.webauthn_rp_name,
                                        settings.webauthn_origin_list),
                          TOTPFactor(totp_key(settings)), RecoveryCodeFactor())
        return cls(
            settings=settings,
            db=Database(settings, password_provider),
            tokens=TokenService(settings.jwt_signing_key.get_secret_value(),
                                previous.get_secret_value() if previous else None,
                                settings.jwt_issuer, settings.jwt_audience, settings.jwt_ttl_seconds),
            passwords=PasswordHasher(settings.bcrypt_rounds, max_concurrent=settings.bcrypt_max_concurrent),
            login_policy=LoginPolicy(settings.login_max_failures, settings.login_window_seconds,
                                     settings.auth_address_limit_per_minute),
            session_policy=SessionPolicy(settings.session_idle_seconds, settings.session_max_seconds),
            mailer=_mailer(settings),
            sign_in_delays=SignInDelays(),
            factor_methods=factor_methods,
        )


def _mailer(settings: Settings) -> Mailer:
    if settings.mail_transport == "acs" and settings.acs_email_endpoint:
        return AcsMailer(settings.acs_email_endpoint, settings.mail_sender)
    if settings.mail_transport == "smtp":
        return SmtpMailer(settings.smtp_host, settings.smtp_port, settings.mail_sender)
    return NoMailer()


def check_settings() -> None:
    """Reads and validates the settings as the first request will, connecting to nothing; raises
    ConfigurationError naming the variable. The local host calls it before it listens."""
    settings = load_settings()
    settings.require_signing_key()
    from shared.settings import totp_key

    totp_key(settings)


_runtime: Runtime | None = None
_lock = threading.Lock()


def get_runtime() -> Runtime:
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = Runtime.from_settings(load_settings())
    return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """For tests and tools that build their own runtime."""
    global _runtime
    _runtime = runtime
