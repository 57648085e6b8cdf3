import psycopg


def seed_demo_data(database_url):
    with psycopg.connect(database_url) as conn:
        conn.execute("INSERT INTO devhost_probe VALUES ('seeded') ON CONFLICT DO NOTHING")
    return [
        {"username": "demo-admin", "password": "Admin-demo-1", "role": "admin"},
        {"username": "alice", "password": "Alice-demo-1", "role": "user"},
    ]
