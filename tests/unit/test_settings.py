import pytest

from shared.settings import ConfigurationError, Settings, load_settings


def test_outside_development_the_database_must_require_tls(monkeypatch):
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank")
    with pytest.raises(ConfigurationError, match="sslmode"):
        Settings()
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank?sslmode=require")
    set_azure_mail(monkeypatch)
    assert Settings().app_env == "prod"


def set_azure_mail(monkeypatch):
    monkeypatch.setenv("MAIL_TRANSPORT", "acs")
    monkeypatch.setenv("ACS_EMAIL_ENDPOINT", "https://iebank.europe.communication.azure.com")
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://bank.example")
    monkeypatch.setenv("WEBAUTHN_RP_ID", "bank.example")
    monkeypatch.setenv("WEBAUTHN_ORIGINS", "https://bank.example")


@pytest.mark.parametrize("missing, named", [
    ("MAIL_TRANSPORT", "MAIL_TRANSPORT"), ("ACS_EMAIL_ENDPOINT", "ACS_EMAIL_ENDPOINT"),
    ("PUBLIC_BASE_URL", "PUBLIC_BASE_URL")])
def test_outside_development_reset_links_must_be_mailable(monkeypatch, missing, named):
    """A bank in Azure whose reset emails went to a local SMTP sink would lose every one."""
    monkeypatch.setenv("APP_ENV", "uat")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank?sslmode=require")
    set_azure_mail(monkeypatch)
    monkeypatch.delenv(missing)
    with pytest.raises(ConfigurationError, match=named):
        Settings()


def test_prod_never_allows_more_than_five_idle_minutes(monkeypatch):
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank?sslmode=require")
    set_azure_mail(monkeypatch)
    monkeypatch.setenv("SESSION_IDLE_SECONDS", "301")
    with pytest.raises(ConfigurationError, match="SESSION_IDLE_SECONDS"):
        Settings()
    monkeypatch.setenv("SESSION_IDLE_SECONDS", "300")
    assert Settings().session_idle_seconds == 300


def test_prod_never_generates_a_signing_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example/iebank?sslmode=verify-full")
    set_azure_mail(monkeypatch)
    monkeypatch.delenv("JWT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("KEY_VAULT_URL", raising=False)
    with pytest.raises(ConfigurationError, match="JWT_SIGNING_KEY"):
        load_settings()


def test_local_development_gets_a_generated_signing_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "local")
    monkeypatch.delenv("JWT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("KEY_VAULT_URL", raising=False)
    settings = load_settings()
    assert settings.jwt_signing_key is not None and len(settings.jwt_signing_key.get_secret_value()) >= 32


def test_missing_database_url_outside_development_names_the_variable(monkeypatch):
    monkeypatch.setenv("APP_ENV", "uat")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigurationError, match="DATABASE_URL"):
        Settings()


def test_an_invalid_value_names_the_variable_but_not_the_value(monkeypatch):
    monkeypatch.setenv("DB_POOL_MAX_SIZE", "many")
    with pytest.raises(ConfigurationError, match="DB_POOL_MAX_SIZE") as error:
        load_settings()
    assert "many" not in str(error.value)


def test_a_short_signing_key_is_refused(monkeypatch):
    monkeypatch.setenv("JWT_SIGNING_KEY", "short")
    with pytest.raises(ConfigurationError, match="32"):
        load_settings()


def test_prod_needs_a_passkey_relying_party_and_https_origins(monkeypatch):
    """Passkeys are bound to a domain: localhost (the local default) is no bank's, nor is http."""
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank?sslmode=require")
    set_azure_mail(monkeypatch)
    monkeypatch.delenv("WEBAUTHN_RP_ID")
    with pytest.raises(ConfigurationError, match="WEBAUTHN_RP_ID"):
        Settings()
    monkeypatch.setenv("WEBAUTHN_RP_ID", "bank.example")
    monkeypatch.setenv("WEBAUTHN_ORIGINS", "https://bank.example,http://bank.example")
    with pytest.raises(ConfigurationError, match="WEBAUTHN_ORIGINS"):
        Settings()
    monkeypatch.setenv("WEBAUTHN_ORIGINS", "https://bank.example/")
    assert Settings().webauthn_origin_list == ("https://bank.example",)


def test_locally_passkeys_use_localhost_and_the_emulators_origin(monkeypatch):
    monkeypatch.setenv("APP_ENV", "local")
    monkeypatch.delenv("WEBAUTHN_RP_ID", raising=False)
    settings = Settings()
    assert settings.relying_party_id == "localhost"
    assert "http://localhost:4280" in settings.webauthn_origin_list


def test_sca_mode_off_is_refused_in_prod_and_allowed_locally(monkeypatch):
    """`off` is for local load tests: a production app that could be started without a second
    factor is one setting away from PSD2's sign-in and payment rules."""
    monkeypatch.setenv("APP_ENV", "local")
    monkeypatch.setenv("SCA_MODE", "off")
    assert Settings().sca_enforced is False
    monkeypatch.setenv("APP_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", "postgresql://app@db.example:5432/iebank?sslmode=require")
    monkeypatch.setenv("WEBAUTHN_RP_ID", "bank.example")
    monkeypatch.setenv("WEBAUTHN_ORIGINS", "https://bank.example")
    set_azure_mail(monkeypatch)
    with pytest.raises(ConfigurationError, match="SCA_MODE"):
        Settings()
    monkeypatch.setenv("SCA_MODE", "enforced")
    assert Settings().sca_enforced is True


def test_a_currency_may_have_its_own_low_value_limits_and_only_a_currency_the_bank_holds(monkeypatch):
    from shared.payment_authentication import PaymentScaPolicy

    monkeypatch.setenv("APP_ENV", "local")
    monkeypatch.setenv("SCA_LOW_VALUE_BY_CURRENCY", '{"GBP": {"max": "25.00", "total": "85.00", "payments": 4}}')
    check = PaymentScaPolicy.from_settings(Settings()).check()
    assert check["by_currency"] == {"GBP": {"low_value_max": 2500, "low_value_total": 8500, "low_value_payments": 4}}
    assert (check["low_value_max"], check["low_value_total"]) == (3000, 10000)  # every other currency
    monkeypatch.setenv("SCA_LOW_VALUE_BY_CURRENCY", '{"XYZ": {"max": "1.00", "total": "2.00", "payments": 1}}')
    with pytest.raises(ConfigurationError, match="SCA_LOW_VALUE_BY_CURRENCY"):
        Settings()
