import psycopg


def apply_migrations(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS devhost_probe (name text PRIMARY KEY)")
        conn.execute("INSERT INTO devhost_probe VALUES ('migrated') ON CONFLICT DO NOTHING")
