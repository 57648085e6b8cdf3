"""Creates the app's generated secrets in Key Vault when they are missing, never printing a value;
an existing one is kept (rotation is an operator's decision). The one generator of these secrets:
the azd hook (postprovision.sh, Azure SDK), dev's pipeline step (Azure CLI, from the runner) and
uat/prod's deployment script inside the VNet (infra/secrets.bicep, Azure CLI, as the secrets identity).

It reads secret names only (list = the `secrets/readMetadata` data action), never a value, and sets
only a name the list lacks, so the uat/prod identity needs no `getSecret` and no `delete`.

    python infra/hooks/ensure_secrets.py --vault NAME [--backend sdk|cli] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import tempfile
from collections.abc import Callable, Iterable

# totp-encryption-key: the app settings refer to it (TOTP_ENCRYPTION_KEY, a Key Vault reference).
GENERATED = ("jwt-signing-key", "admin-password", "totp-encryption-key")


def missing(existing: Iterable[str]) -> list[str]:
    """The GENERATED names the vault lacks, in GENERATED order. Key Vault names are case-insensitive."""
    present = {name.lower() for name in existing}
    return [name for name in GENERATED if name.lower() not in present]


def ensure(
    existing: Iterable[str], create: Callable[[str, str], None], new_value: Callable[[], str] | None = None
) -> list[str]:
    """Creates each missing name with a fresh random value; never calls `create` for a present one."""
    new_value = new_value or (lambda: secrets.token_hex(32))
    existing = list(existing)
    created = missing(existing)
    for name in GENERATED:
        if name in created:
            create(name, new_value())
            print(f"{name}: created (random)")
        else:
            print(f"{name}: present, kept")
    return created


class CliVault:
    """The Azure CLI session (`az login`, or the deployment script's managed identity)."""

    def __init__(self, vault: str, az: str = "az") -> None:
        self.vault, self.az = vault, az

    def names(self) -> list[str]:
        # Names only: `secret list` returns no values. A failure raises and stops before any set.
        out = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [self.az, "keyvault", "secret", "list", "--vault-name", self.vault,
             "--query", "[].name", "--output", "json"],
            check=True, capture_output=True, text=True,
        ).stdout
        return list(json.loads(out or "[]"))

    def create(self, name: str, value: str) -> None:
        # The value goes through a file only this process can read: never on a command line.
        fd, path = tempfile.mkstemp()
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(value)
            subprocess.run(  # noqa: S603 - fixed argument list, no shell
                [self.az, "keyvault", "secret", "set", "--vault-name", self.vault, "--name", name,
                 "--file", path, "--encoding", "utf-8", "--output", "none"],
                check=True,
            )
        finally:
            os.unlink(path)


class SdkVault:
    """DefaultAzureCredential through the Azure SDK (the azd hook, in the project's venv)."""

    def __init__(self, vault: str) -> None:
        from azure.identity import DefaultAzureCredential
        from azure.keyvault.secrets import SecretClient

        self.client = SecretClient(f"https://{vault}.vault.azure.net/", DefaultAzureCredential())

    def names(self) -> list[str]:
        return [str(p.name) for p in self.client.list_properties_of_secrets()]

    def create(self, name: str, value: str) -> None:
        self.client.set_secret(name, value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--vault", required=True, help="Key Vault name")
    parser.add_argument("--backend", choices=("sdk", "cli"), default="sdk",
                        help="sdk: Azure SDK (azd hook); cli: the az session (pipeline, deployment script)")
    parser.add_argument("--dry-run", action="store_true", help="name the secrets it would check; reach nothing")
    args = parser.parse_args(argv)
    if args.dry_run:
        print(f"dry run: would create in {args.vault} when missing: {', '.join(GENERATED)}")
        return 0
    vault = CliVault(args.vault) if args.backend == "cli" else SdkVault(args.vault)
    ensure(vault.names(), vault.create)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
