import psycopg


def ensure_admin(database_url, username, password):
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO devhost_probe VALUES (%s) ON CONFLICT DO NOTHING",
            ("admin:" + username,),
        )
