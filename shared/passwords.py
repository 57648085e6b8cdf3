"""Password policy and hashing (bcrypt).

bcrypt reads at most 72 bytes, and the policy allows 128 characters (up to 512 bytes of UTF-8),
so the password is first reduced to a base64 SHA-256 digest: every character counts, and the
bcrypt input is always 44 bytes.
"""

import base64
import hashlib

import bcrypt

MIN_LENGTH = 8
MAX_LENGTH = 128
POLICY = "8 to 128 characters, with at least one letter and one digit"


def check_password_policy(password: str) -> str:
    """Returns the password when it meets the written policy; raises ValueError otherwise."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise ValueError(f"must be {POLICY}")
    if not any(ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        raise ValueError(f"must be {POLICY}")
    return password


def _prehash(password: str) -> bytes:
    return base64.b64encode(hashlib.sha256(password.encode()).digest())


class PasswordHasher:
    def __init__(self, rounds: int) -> None:
        self.rounds = rounds
        # Checked against when the username is unknown, so both paths cost one bcrypt check.
        self._dummy_hash = bcrypt.hashpw(b"no such user", bcrypt.gensalt(rounds))

    def hash(self, password: str) -> str:
        return bcrypt.hashpw(_prehash(password), bcrypt.gensalt(self.rounds)).decode()

    def verify(self, password: str, password_hash: str | None) -> bool:
        """Constant work whether or not the user exists: pass None for an unknown user."""
        if password_hash is None:
            bcrypt.checkpw(_prehash(password), self._dummy_hash)
            return False
        return bcrypt.checkpw(_prehash(password), password_hash.encode())
