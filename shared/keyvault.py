"""Secrets from Azure Key Vault, read once per worker with the Function App's managed identity.

(Named keyvault, not secrets: a shared/secrets.py shadowed the standard library's module.)

Imported only when KEY_VAULT_URL is set, so the Azure SDK stays off the cold path otherwise.
"""

import logging
from typing import TYPE_CHECKING, Any

from pydantic import SecretStr

from shared.errors import ConfigurationError

if TYPE_CHECKING:
    from shared.settings import Settings

# Key Vault secret name -> settings field it fills.
SECRET_NAMES = {
    "jwt-signing-key": "jwt_signing_key",
    "totp-encryption-key": "totp_encryption_key",
    "jwt-previous-signing-key": "jwt_previous_signing_key",
    "admin-password": "admin_password",
}


def apply_key_vault_secrets(settings: "Settings") -> None:
    from azure.core.exceptions import ResourceNotFoundError
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    client = SecretClient(vault_url=str(settings.key_vault_url), credential=DefaultAzureCredential())
    for secret_name, field in SECRET_NAMES.items():
        try:
            value = client.get_secret(secret_name).value
        except ResourceNotFoundError:
            continue
        except Exception as exc:  # the SDK raises many kinds; name the secret, never its value
            raise ConfigurationError(f"could not read Key Vault secret {secret_name}: {type(exc).__name__}") from None
        if value:
            setattr(settings, field, SecretStr(value))


def key_vault_answers(vault_url: str) -> bool:
    """Readiness: the vault answers a read of one secret's metadata with our identity."""
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    global _credential
    if _credential is None:
        _credential = DefaultAzureCredential()
    try:
        next(iter(SecretClient(vault_url=vault_url, credential=_credential).list_properties_of_secrets()), None)
        return True
    except Exception:  # any failure means "not ready"; the reason goes to the log, not the client
        logging.getLogger(__name__).warning("Key Vault readiness check failed", exc_info=True)
        return False


def entra_database_password() -> str:
    """An access token for Azure Database for PostgreSQL (passwordless sign-in).

    Called for every new connection, so a token is never older than the credential's cache allows.
    """
    from azure.identity import DefaultAzureCredential

    global _credential
    if _credential is None:
        _credential = DefaultAzureCredential()
    token: str = _credential.get_token("https://ossrdbms-aad.database.windows.net/.default").token
    return token


_credential: Any = None
