"""Builds the parameters of infra/migrate.bicep: the migration code as one compressed base64 string.

A deployment script receives no files from the pipeline, and `python -m ops migrate` needs ops/,
migrations/ and the shared modules ops imports on that path. They travel as an environment variable
of the script: a reproducible tar.xz (sorted, no times or owners), base64. Microsoft's limit for a
deployment script's environment variables is 64 KB, so this refuses a payload over LIMIT and
tests/infra checks the real one stays under it.

    python infra/migration/payload.py --parameter-file infra/parameters/uat.parameters.json \\
        --app-role devopps-id-be-uat --database-host <fqdn> --run-id 123-1 --output migrate.parameters.json
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import lzma
import re
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# What `python -m ops migrate --app-role` imports (tests/infra runs it from the extracted payload).
MODULES = (
    "ops/__init__.py",
    "ops/__main__.py",
    "ops/migrations.py",
    "ops/runtime_role.py",
    "shared/__init__.py",
    "shared/errors.py",
    "shared/keyvault.py",
    "shared/money.py",
    "shared/settings.py",
)
# Their third-party packages, at the versions requirements.txt pins (the app's own).
REQUIREMENTS = ("psycopg", "pydantic", "pydantic-settings", "azure-identity", "azure-keyvault-secrets")
REQUIREMENTS_FILE = "requirements-migrate.txt"
# Characters of the base64 text; the bicep parameter allows no more (@maxLength), and the other
# environment variables of the script take well under the remaining 5 KB of the 64 KB limit.
LIMIT = 60000


def pinned_requirements(requirements: Path = ROOT / "requirements.txt") -> str:
    """The REQUIREMENTS lines of requirements.txt, extras and pins as written there."""
    lines = {}
    for line in requirements.read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?==\S+$", line.strip())
        if match:
            lines[match.group(1).lower()] = line.strip()
    missing = [name for name in REQUIREMENTS if name not in lines]
    if missing:
        raise SystemExit(f"requirements.txt pins none of {missing}")
    return "".join(lines[name] + "\n" for name in REQUIREMENTS)


def files(root: Path = ROOT) -> list[tuple[str, bytes]]:
    """(archive name, content) of everything the payload carries, in a fixed order."""
    entries = [(name, (root / name).read_bytes()) for name in MODULES]
    for path in sorted((root / "migrations").glob("*.sql")):
        entries.append((f"migrations/{path.name}", path.read_bytes()))
    entries.append((REQUIREMENTS_FILE, pinned_requirements(root / "requirements.txt").encode()))
    return entries


def build(root: Path = ROOT) -> str:
    """The base64 text of the tar.xz; the same sources give the same text."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name, content in files(root):
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(content), 0o644, 0
            archive.addfile(info, io.BytesIO(content))
    compressed = lzma.compress(raw.getvalue(), preset=9 | lzma.PRESET_EXTREME)
    return base64.b64encode(compressed).decode("ascii")


def parameters(environment_file: Path, app_role: str, database_host: str, run_id: str, payload: str) -> dict:
    """An ARM deployment parameters document for infra/migrate.bicep."""
    given = json.loads(environment_file.read_text())["parameters"]
    values = {
        "environmentName": given["environmentName"]["value"],
        "owner": given["owner"]["value"],
        "costCentre": given["costCentre"]["value"],
        "appDatabaseRole": app_role,
        "databaseHost": database_host,
        "runId": run_id,
        "payload": payload,
    }
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentParameters.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {name: {"value": value} for name, value in values.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parameter-file", type=Path, required=True, help="the environment's main.bicep parameters")
    parser.add_argument("--app-role", required=True)
    parser.add_argument("--database-host", required=True)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    for name in ("app_role", "database_host", "run_id"):
        if not getattr(args, name).strip():
            parser.error(f"--{name.replace('_', '-')} is empty")
    payload = build()
    if len(payload) > LIMIT:
        print(f"error: the migration payload is {len(payload)} characters, over {LIMIT}", file=sys.stderr)
        return 1
    document = parameters(args.parameter_file, args.app_role, args.database_host, args.run_id, payload)
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"migration payload: {len(payload)} characters of base64 (limit {LIMIT}), {len(files())} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
