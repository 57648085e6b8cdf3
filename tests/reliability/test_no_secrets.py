"""No secret in the repository: every tracked file is scanned for private keys, connection strings
and URLs that carry a password, and a few well-known token formats. Placeholders such as
`${PGPASSWORD}` or `<password>` are not secrets."""

import re
import subprocess
import time
from pathlib import Path

from tests.reliability import figures

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"^(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\{[A-Za-z_]*\}|\*+|x+|\.\.\.|%s|%\([a-z_]+\)s)$")
PATTERNS = {
    "private key": re.compile(r"-{5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-{5}"),
    "URL with a password": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@\"'<>`]+:(?P<secret>[^\s@/\"'<>`]+)@"),
    "connection string with a password": re.compile(
        r"(?i)(?:server|host|data source|hostaddr)\s*=[^\n]*?[; ]\s*(?:password|pwd)\s*=\s*(?P<secret>[^;\s\"'`]+)"),
    "storage or service bus key": re.compile(r"(?:AccountKey|SharedAccessKey)=(?P<secret>[A-Za-z0-9+/=]{20,})"),
    "Slack webhook": re.compile(r"hooks\.slack\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/(?P<secret>[A-Za-z0-9]{16,})"),
    "GitHub token": re.compile(r"\b(?P<secret>gh[pousr]_[A-Za-z0-9]{36,})"),
    "AWS access key": re.compile(r"\b(?P<secret>AKIA[0-9A-Z]{16})\b"),
}


def findings(text: str) -> list[str]:
    found = []
    for name, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            secret = match.groupdict().get("secret")
            if secret is not None and PLACEHOLDER.match(secret):
                continue
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name} on line {line}")
    return found


def test_the_scanner_finds_what_it_looks_for_and_passes_placeholders():
    dashes = "-" * 5
    assert findings(f"{dashes}BEGIN RSA PRIVATE KEY{dashes}\nMIIE...")
    assert findings(f"{dashes}BEGIN OPENSSH PRIVATE KEY{dashes}")
    assert findings("DATABASE_URL=postgresql://iebank:" + "hunter2" + "@db.example:5432/iebank")
    assert findings("Server=tcp:x.database.windows.net;Database=d;User Id=u;" + "Password=" + "S3cret!;")
    assert findings("host=db port=5432 user=app " + "password=" + "S3cret")
    assert findings("DefaultEndpointsProtocol=https;AccountName=a;" + "AccountKey=" + "A" * 40)
    assert not findings("postgresql://iebank:${PGPASSWORD}@localhost/iebank")
    assert not findings("postgresql://user:<password>@host/db and postgresql://postgres:@/db")
    assert not findings("https://iebank.example/problems/validation-error")


def test_no_tracked_file_holds_a_secret():
    started = time.monotonic()
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True).stdout
    paths = [ROOT / name for name in tracked.decode().split("\0") if name]
    problems, scanned = [], 0
    for path in paths:
        if not path.is_file():  # deleted in the working tree, not yet committed
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:  # images, fonts, wasm: not text
            continue
        scanned += 1
        problems += [f"{path.relative_to(ROOT)}: {finding}" for finding in findings(data.decode(errors="replace"))]
    figures.record("secrets", "Secret scan of tracked files", {
        "tracked files": len(paths), "text files scanned": scanned, "patterns": ", ".join(PATTERNS),
        "findings": len(problems), "suite time (s)": round(time.monotonic() - started, 2),
    }, {"no secret in a tracked file": not problems})
    assert not problems, problems
