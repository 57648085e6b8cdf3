"""Creates the app's generated secrets in Key Vault when they are missing, never printing a value;
an existing one is kept (rotation is an operator's decision). The pipeline's step
"Make sure the app's Key Vault secrets exist" does the same with the Azure CLI.

    python infra/hooks/ensure_secrets.py --vault NAME [--dry-run]
"""

import argparse
import secrets

# totp-encryption-key: the app settings refer to it (TOTP_ENCRYPTION_KEY, a Key Vault reference).
GENERATED = ("jwt-signing-key", "admin-password", "totp-encryption-key")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vault", required=True, help="Key Vault name")
    parser.add_argument("--dry-run", action="store_true", help="name the secrets it would check; reach nothing")
    args = parser.parse_args()
    if args.dry_run:
        print(f"dry run: would create in {args.vault} when missing: {', '.join(GENERATED)}")
        return 0
    from azure.core.exceptions import ResourceNotFoundError
    from azure.identity import DefaultAzureCredential
    from azure.keyvault.secrets import SecretClient

    client = SecretClient(f"https://{args.vault}.vault.azure.net/", DefaultAzureCredential())
    for name in GENERATED:
        try:
            client.get_secret(name)
            print(f"{name}: present, kept")
        except ResourceNotFoundError:
            client.set_secret(name, secrets.token_hex(32))
            print(f"{name}: created (random)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
