"""docs/design.md stays true to the schema: its entity-relationship diagram names every table and
column the migrations create, and nothing else; the required sequence diagrams are all there.

Unit tier: the SQL files and the document are read as text, no database.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT / "docs" / "design.md"
MIGRATIONS = sorted((ROOT / "migrations").glob("*.sql"))
MIGRATION_RUNNER = ROOT / "ops" / "migrations.py"

REQUIRED_SEQUENCE_TITLES = {
    "Customer registration",
    "Customer login",
    "Transfer posted or refused",
    "Transfer retried with the same Idempotency-Key",
    "Staff login",
    "Staff reading a customer's history",
    "Staff updating an account (freeze)",
}

# Items of a CREATE TABLE body that are table constraints, not columns.
_CONSTRAINT_WORDS = {"constraint", "check", "primary", "unique", "foreign", "exclude", "like"}
_CREATE_TABLE = re.compile(
    r"\bCREATE\s+(?:UNLOGGED\s+)?TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?((?:\w+\.)?\w+|\"[^\"]+\")\s*\(",
    re.IGNORECASE,
)
# Statements this parser does not follow; a migration using one must teach the parser first.
_UNFOLLOWED = re.compile(r"\bDROP\s+TABLE\b|\bRENAME\s+TO\b|\bRENAME\s+(?:COLUMN\s+)?\w+\s+TO\b", re.IGNORECASE)
# ALTER TABLE is followed (alter_table_columns) for these actions; any other stops the check.
_ALTER_TABLE = re.compile(r"\bALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?((?:\w+\.)?\w+|\"[^\"]+\")\s+([^;]*);",
                          re.IGNORECASE)
_COLUMN_NEUTRAL_ACTIONS = {"alter", "validate", "enable", "disable", "owner", "set", "reset"}
_DOLLAR_QUOTED = re.compile(r"\$(\w*)\$.*?\$\1\$", re.DOTALL)


# ---- the SQL side -----------------------------------------------------------------------------

def _without_comments_and_bodies(sql: str) -> str:
    """Drops -- comments (outside string literals) and dollar-quoted bodies (functions)."""
    sql = _DOLLAR_QUOTED.sub("''", sql)
    out: list[str] = []
    in_string = False
    i = 0
    while i < len(sql):
        ch = sql[i]
        if in_string:
            out.append(ch)
            if ch == "'":
                in_string = False
        elif ch == "'":
            in_string = True
            out.append(ch)
        elif sql.startswith("--", i):
            while i < len(sql) and sql[i] != "\n":
                i += 1
            continue
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _top_level_items(body: str) -> list[str]:
    """Splits a CREATE TABLE body on the commas that are not inside parentheses or strings."""
    items: list[str] = []
    depth, start, in_string = 0, 0, False
    for i, ch in enumerate(body):
        if ch == "'":
            in_string = not in_string
        elif in_string:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            items.append(body[start:i])
            start = i + 1
    items.append(body[start:])
    return [item.strip() for item in items if item.strip()]


def _closing_paren(sql: str, open_at: int) -> int:
    depth, in_string = 0, False
    for i in range(open_at, len(sql)):
        ch = sql[i]
        if ch == "'":
            in_string = not in_string
        elif in_string:
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise AssertionError("unbalanced parentheses in a CREATE TABLE")


def _identifier(token: str) -> str:
    return token.strip('"').split(".")[-1].lower()


def tables_in_sql(sql: str) -> dict[str, set[str]]:
    """{table: {columns}} for every CREATE TABLE in the text."""
    sql = _without_comments_and_bodies(sql)
    tables: dict[str, set[str]] = {}
    for match in _CREATE_TABLE.finditer(sql):
        open_at = match.end() - 1
        body = sql[open_at + 1:_closing_paren(sql, open_at)]
        columns = set()
        for item in _top_level_items(body):
            first = item.split()[0]
            if first.lower() in _CONSTRAINT_WORDS or not re.match(r'^"?[A-Za-z_]', first):
                continue
            columns.add(_identifier(first))
        tables[_identifier(match.group(1))] = columns
    return tables


def alter_table_columns(sql: str) -> list[tuple[str, set[str], set[str]]]:
    """(table, columns added, columns dropped) for every ALTER TABLE in the text, in order.
    Constraint changes and ALTER COLUMN leave the columns as they are."""
    changes: list[tuple[str, set[str], set[str]]] = []
    for match in _ALTER_TABLE.finditer(_without_comments_and_bodies(sql)):
        added: set[str] = set()
        dropped: set[str] = set()
        for action in _top_level_items(match.group(2)):
            words = action.split()
            verb = words[0].lower()
            rest = [w for w in words[1:] if w.lower() not in ("column", "if", "not", "exists")]
            if verb in ("add", "drop") and rest[0].lower() not in _CONSTRAINT_WORDS:
                (added if verb == "add" else dropped).add(_identifier(rest[0]))
            else:
                assert verb in ("add", "drop") or verb in _COLUMN_NEUTRAL_ACTIONS, (
                    f"ALTER TABLE action {action!r}: teach alter_table_columns to follow it")
        changes.append((_identifier(match.group(1)), added, dropped))
    return changes


def _sql_strings_of(python_file: Path) -> list[str]:
    tree = ast.parse(python_file.read_text())
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "CREATE TABLE" in node.value.upper()]


def schema_tables() -> dict[str, set[str]]:
    """What `python -m ops migrate` creates: migrations/*.sql plus schema_migrations."""
    tables: dict[str, set[str]] = {}
    for path in MIGRATIONS:
        for name, columns in tables_in_sql(path.read_text()).items():
            tables.setdefault(name, set()).update(columns)
        for name, added, dropped in alter_table_columns(path.read_text()):
            tables[name] = (tables[name] | added) - dropped
    for sql in _sql_strings_of(MIGRATION_RUNNER):
        tables.update(tables_in_sql(sql))
    return tables


# ---- the document side ------------------------------------------------------------------------

def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid[ \t]*\n(.*?)^```", markdown, re.MULTILINE | re.DOTALL)


def _kind(block: str) -> str:
    lines = [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("%%")]
    return lines[0].split()[0] if lines else ""


_ENTITY_START = re.compile(r'^\s*("?[\w-]+"?)\s*(?:\[[^\]]*\])?\s*\{\s*$')
_RELATIONSHIP = re.compile(r'^\s*("?[\w-]+"?)\s+[|}o][|o]?(?:--|\.\.)[|o][|{o]?\s+("?[\w-]+"?)\s*:')


def er_tables(block: str) -> dict[str, set[str]]:
    """{entity: {attribute names}} of one erDiagram; entities named only in a relationship get an
    empty set, so a misspelled table in a relationship is caught too."""
    tables: dict[str, set[str]] = {}
    current: str | None = None
    for line in block.splitlines()[1:]:
        stripped = line.strip()
        if not stripped or stripped.startswith("%%"):
            continue
        if current is not None:
            if stripped == "}":
                current = None
            else:
                # "type name [PK|FK|UK[, ...]] ["comment"]": the name is the second word.
                words = stripped.split()
                assert len(words) >= 2, f"attribute line without a name in {current}: {stripped!r}"
                tables[current].add(words[1].lower())
            continue
        if entity := _ENTITY_START.match(stripped):
            current = _identifier(entity.group(1))
            tables.setdefault(current, set())
        elif relationship := _RELATIONSHIP.match(stripped):
            for name in relationship.groups():
                tables.setdefault(_identifier(name), set())
    assert current is None, f"entity {current} is not closed with }}"
    return tables


def diagram_tables(markdown: str) -> dict[str, set[str]]:
    tables: dict[str, set[str]] = {}
    for block in mermaid_blocks(markdown):
        if _kind(block) == "erDiagram":
            for name, columns in er_tables(block).items():
                tables.setdefault(name, set()).update(columns)
    return tables


def sequence_titles(markdown: str) -> list[str]:
    titles = []
    for block in mermaid_blocks(markdown):
        if _kind(block) == "sequenceDiagram":
            titles += [m.group(1).strip() for m in re.finditer(r"^\s*title:?\s+(.+)$", block, re.MULTILINE)]
    return titles


# ---- the parsers themselves -------------------------------------------------------------------

def test_sql_parser_reads_columns_and_skips_constraints_comments_and_function_bodies():
    sql = """
    -- CREATE TABLE commented_out (x int);
    CREATE TABLE IF NOT EXISTS public.things (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        label   text NOT NULL CHECK (label ~ '^[a-z,()]+$'), -- a comma (in a comment)
        price   numeric(10, 2),
        "Quoted" int,
        CONSTRAINT things_price_positive CHECK (price > 0),
        CHECK (label <> ''),
        PRIMARY KEY (id),
        UNIQUE (label, price),
        FOREIGN KEY (id) REFERENCES other (id)
    );
    CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$
    BEGIN CREATE TABLE inside_a_function (y int); END;
    $$;
    """
    assert tables_in_sql(sql) == {"things": {"id", "label", "price", "quoted"}}


def test_sql_parser_follows_columns_added_and_dropped_by_alter_table():
    sql = """
    ALTER TABLE things
        ALTER COLUMN price DROP NOT NULL,
        ADD COLUMN IF NOT EXISTS colour text CHECK (colour IN ('red', 'blue')),
        ADD weight int,
        DROP COLUMN label,
        ADD CONSTRAINT things_weight CHECK (weight > 0),
        DROP CONSTRAINT things_price_positive;
    """
    assert alter_table_columns(sql) == [("things", {"colour", "weight"}, {"label"})]


def test_er_parser_reads_entities_attributes_and_relationship_names():
    block = """erDiagram
    users {
        uuid id PK "comment, with words"
        char(2) country
    }
    users |o--o{ accounts : "owns"
    """
    assert er_tables(block) == {"users": {"id", "country"}, "accounts": set()}


def test_the_schema_parser_finds_the_tables_we_know_exist():
    tables = schema_tables()
    assert {"users", "accounts", "transfers", "entries", "schema_migrations"} <= set(tables)
    assert tables["schema_migrations"] == {"version", "checksum", "applied_at"}
    assert "balance" in tables["accounts"]


def test_migrations_use_only_statements_this_parser_follows():
    for path in MIGRATIONS:
        found = _UNFOLLOWED.search(_without_comments_and_bodies(path.read_text()))
        assert found is None, (
            f"{path.name} uses {found.group(0)!r}: teach tables_in_sql in {Path(__file__).name} to follow it, "
            "so the design document check stays right")


# ---- the document -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def design() -> str:
    return DESIGN.read_text()


def test_the_er_diagram_names_every_table_of_the_migrations(design):
    missing = set(schema_tables()) - set(diagram_tables(design))
    assert not missing, f"docs/design.md erDiagram lacks table(s) {sorted(missing)}"


def test_the_er_diagram_names_every_column_of_every_table(design):
    diagram = diagram_tables(design)
    missing = {f"{table}.{column}" for table, columns in schema_tables().items()
               for column in columns - diagram.get(table, set())}
    assert not missing, f"docs/design.md erDiagram lacks column(s) {sorted(missing)}"


def test_the_er_diagram_names_no_table_or_column_the_migrations_do_not_create(design):
    schema = schema_tables()
    diagram = diagram_tables(design)
    unknown_tables = set(diagram) - set(schema)
    assert not unknown_tables, f"docs/design.md erDiagram names table(s) that do not exist: {sorted(unknown_tables)}"
    unknown_columns = {f"{table}.{column}" for table, columns in diagram.items()
                       for column in columns - schema[table]}
    assert not unknown_columns, f"docs/design.md erDiagram names column(s) that do not exist: {sorted(unknown_columns)}"


def test_every_required_sequence_diagram_is_there_once(design):
    titles = sequence_titles(design)
    missing = REQUIRED_SEQUENCE_TITLES - set(titles)
    assert not missing, f"docs/design.md lacks sequence diagram(s) titled {sorted(missing)}"
    repeated = {title for title in titles if titles.count(title) > 1}
    assert not repeated, f"docs/design.md has more than one sequence diagram titled {sorted(repeated)}"


def test_the_data_flow_diagram_is_there(design):
    flowcharts = [block for block in mermaid_blocks(design) if _kind(block) in ("flowchart", "graph")]
    assert flowcharts, "docs/design.md has no data-flow diagram"
    text = flowcharts[0]
    for part in ("Browser", "Static Web App", "Function App", "PostgreSQL", "Key Vault",
                 "Application Insights", "Log Analytics", "Action group", "Logic App", "Slack"):
        assert part in text, f"the data-flow diagram does not show {part}"
