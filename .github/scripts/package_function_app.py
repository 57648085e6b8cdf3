"""Build the function app's deployment zip: the tracked files minus what .funcignore lists.

.funcignore uses .gitignore syntax (the same file Azure Functions Core Tools reads for
`func azure functionapp publish`). This follows the parts of that syntax a .funcignore
uses: comments, blank lines, `!` negation, a trailing `/` for directories only, a leading
or inner `/` to anchor a pattern at the repository root, `*`, `?`, `[...]` and `**`.
As in git, a file inside an excluded directory cannot be re-included.

The zip is reproducible (sorted names, fixed timestamps) so the same commit gives the
same package. Python stdlib only; needs git for the list of tracked files.

Usage: python .github/scripts/package_function_app.py --output build/functionapp.zip
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

# Files without which the Functions host cannot start the app (Python v2 model).
REQUIRED_FILES = ("function_app.py", "host.json", "requirements.txt")
FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)


class PackagingError(Exception):
    """The package cannot be built (missing .funcignore, missing required file, ...)."""


@dataclass(frozen=True)
class IgnoreRule:
    regex: re.Pattern[str]
    negated: bool
    directory_only: bool


def _glob_to_regex(glob: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif glob.startswith("/**", i) and i + 3 == len(glob):
            out.append("/.*")
            i += 3
        elif glob.startswith("**", i):
            out.append(".*")
            i += 2
        elif char == "*":
            out.append("[^/]*")
            i += 1
        elif char == "?":
            out.append("[^/]")
            i += 1
        elif char == "[":
            end = glob.find("]", i + 1)
            if end == -1:
                out.append(re.escape(char))
                i += 1
            else:
                body = glob[i + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = end + 1
        elif char == "\\" and i + 1 < len(glob):
            out.append(re.escape(glob[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "".join(out)


def parse_ignore_file(text: str) -> list[IgnoreRule]:
    rules: list[IgnoreRule] = []
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        if negated:
            line = line[1:]
        directory_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        line = line.lstrip("/")
        prefix = "" if anchored else "(?:.*/)?"
        regex = re.compile("^" + prefix + _glob_to_regex(line) + "$")
        rules.append(IgnoreRule(regex, negated, directory_only))
    return rules


def _matches(rules: list[IgnoreRule], path: str, is_dir: bool) -> bool:
    ignored = False
    for rule in rules:
        if rule.directory_only and not is_dir:
            continue
        if rule.regex.match(path):
            ignored = not rule.negated
    return ignored


def is_ignored(rules: list[IgnoreRule], path: str) -> bool:
    """True when `path` (a file, relative, with `/`) or one of its directories is ignored."""
    parts = path.split("/")
    for depth in range(1, len(parts)):
        if _matches(rules, "/".join(parts[:depth]), is_dir=True):
            return True
    return _matches(rules, path, is_dir=False)


def tracked_files(repo: Path) -> list[str]:
    result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
        ["git", "-C", str(repo), "ls-files", "-z", "--cached"],  # noqa: S607 - git from PATH, as in CI
        check=True,
        capture_output=True,
    )
    names = [name for name in result.stdout.decode("utf-8").split("\0") if name]
    # A file deleted in the work tree but still in the index has nothing to package.
    return sorted(name for name in names if (repo / name).is_file())


def select_files(repo: Path) -> list[str]:
    ignore_file = repo / ".funcignore"
    if not ignore_file.is_file():
        raise PackagingError(".funcignore not found: refusing to package every tracked file")
    rules = parse_ignore_file(ignore_file.read_text(encoding="utf-8"))
    selected = [name for name in tracked_files(repo) if not is_ignored(rules, name)]
    missing = [name for name in REQUIRED_FILES if name not in selected]
    if missing:
        raise PackagingError(f"the package would lack {', '.join(missing)}")
    return selected


def write_zip(repo: Path, names: list[str], output: Path) -> int:
    output.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, (repo / name).read_bytes())
    return output.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True, help="zip file to write")
    parser.add_argument("--repo", type=Path, default=Path.cwd(), help="repository root (default: .)")
    parser.add_argument("--list", action="store_true", help="print the packaged file names")
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    try:
        names = select_files(repo)
    except PackagingError as error:
        print(f"package_function_app: {error}", file=sys.stderr)
        return 1
    size = write_zip(repo, names, args.output)
    if args.list:
        for name in names:
            print(name)
    print(f"package_function_app: {len(names)} files, {size} bytes -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
