"""The function app package holds what the host needs and nothing .funcignore excludes."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".github" / "scripts" / "package_function_app.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_function_app", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


pkg = _load()

FUNCIGNORE = """\
# development only
.venv
.github/
tests/
frontend/
*.md
!functions/README.md
/docs
requirements-dev.txt
**/__pycache__/
local.settings.json
"""

FILES = {
    "function_app.py": "app = None\n",
    "host.json": "{}\n",
    "requirements.txt": "azure-functions\n",
    "requirements-dev.txt": "pytest\n",
    "functions/__init__.py": "",
    "functions/accounts.py": "x = 1\n",
    "functions/README.md": "kept by negation\n",
    "shared/settings.py": "y = 2\n",
    "shared/docs/notes.txt": "not the root docs/\n",
    "README.md": "excluded\n",
    "docs/release.md": "excluded\n",
    "tests/test_x.py": "excluded\n",
    "frontend/package.json": "{}\n",
    ".github/workflows/ci.yml": "excluded\n",
    "local.settings.json": "{}\n",
}


def make_repo(root: Path, files: dict[str, str], funcignore: str | None = FUNCIGNORE) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if funcignore is not None:
        (root / ".funcignore").write_text(funcignore, encoding="utf-8")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "--all"], check=True)
    # An untracked file is never packaged, whatever .funcignore says.
    (root / "functions" / "scratch.py").write_text("untracked\n", encoding="utf-8")
    return root


def test_the_package_holds_the_app_and_leaves_out_what_funcignore_lists(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    assert pkg.select_files(repo) == [
        ".funcignore",
        "function_app.py",
        "functions/README.md",
        "functions/__init__.py",
        "functions/accounts.py",
        "host.json",
        "requirements.txt",
        "shared/docs/notes.txt",
        "shared/settings.py",
    ]


def test_the_zip_is_the_same_for_the_same_commit(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    first, second = tmp_path / "a.zip", tmp_path / "b.zip"
    assert pkg.main(["--repo", str(repo), "--output", str(first)]) == 0
    assert pkg.main(["--repo", str(repo), "--output", str(second)]) == 0
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert archive.read("functions/accounts.py") == b"x = 1\n"
        assert "tests/test_x.py" not in archive.namelist()


def test_without_funcignore_nothing_is_packaged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES, funcignore=None)
    with pytest.raises(pkg.PackagingError, match="funcignore"):
        pkg.select_files(repo)
    assert pkg.main(["--repo", str(repo), "--output", str(tmp_path / "x.zip")]) == 1


def test_a_package_without_host_json_is_refused(tmp_path: Path) -> None:
    files = {k: v for k, v in FILES.items() if k != "host.json"}
    repo = make_repo(tmp_path / "repo", files)
    with pytest.raises(pkg.PackagingError, match=r"host\.json"):
        pkg.select_files(repo)


@pytest.mark.parametrize(
    ("pattern", "path", "ignored"),
    [
        ("*.pyc", "shared/__pycache__/x.pyc", True),
        ("tests/", "tests/unit/test_a.py", True),
        ("tests/", "shared/tests", False),  # a file named tests is not the directory
        ("/docs", "shared/docs/a.txt", False),  # anchored at the root
        ("docs", "shared/docs/a.txt", True),  # unanchored: any level
        ("ops/*.sql", "ops/seed.sql", True),
        ("ops/*.sql", "ops/sub/seed.sql", False),
        ("**/fixtures", "a/b/fixtures/f.json", True),
        ("data/**", "data/x/y.csv", True),
        ("file?.txt", "file1.txt", True),
        ("file[0-9].txt", "fileA.txt", False),
    ],
)
def test_funcignore_patterns_follow_gitignore(pattern: str, path: str, ignored: bool) -> None:
    assert pkg.is_ignored(pkg.parse_ignore_file(pattern), path) is ignored


def test_a_file_in_an_ignored_directory_cannot_be_re_included() -> None:
    rules = pkg.parse_ignore_file("tests/\n!tests/keep.py\n")
    assert pkg.is_ignored(rules, "tests/keep.py")
