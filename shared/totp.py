"""The authenticator app (RFC 6238 codes, pyotp) and recovery codes, as second factors.

A TOTP secret is encrypted at rest with AES-GCM under the key from settings, the user id as the
associated data; it is decrypted only to check a code. A code is accepted once: the time step it
belongs to is recorded, and a code of that step or an earlier one is refused afterwards. One step
of clock skew either way is allowed (a phone a few seconds off, a code typed as it turned over).
Recovery codes are 16 random base32 characters (80 bits), so their sha256 is a safe digest.
"""

import hashlib
import hmac
import secrets
import time
from typing import Any
from uuid import UUID

from shared.db import Reader, UnitOfWork
from shared.errors import SecondFactorRejected
from shared.repositories import factors

STEP_SECONDS = 30
SKEW_STEPS = 1
RECOVERY_CODE_COUNT = 10
_REJECTED = "That did not work. Check your details and try again."


def _aead(key: bytes) -> Any:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def encrypt_secret(key: bytes, user_id: UUID, secret: str) -> bytes:
    nonce = secrets.token_bytes(12)
    return nonce + bytes(_aead(key).encrypt(nonce, secret.encode(), user_id.bytes))


def decrypt_secret(key: bytes, user_id: UUID, stored: bytes) -> str:
    return bytes(_aead(key).decrypt(stored[:12], stored[12:], user_id.bytes)).decode()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step (within the skew window) whose code this is, or None."""
    import pyotp

    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - SKEW_STEPS, current + SKEW_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


async def check_code(uow: UnitOfWork, key: bytes, user_id: UUID, code: str, *, confirming: bool) -> None:
    """Accepts a code of the user's TOTP secret (the pending one when confirming) once; raises
    SecondFactorRejected otherwise."""
    row = await factors.totp_of(uow, user_id, lock=True)
    if row is None or (row.confirmed_at is None) != confirming:
        raise SecondFactorRejected(_REJECTED)
    step = matching_step(decrypt_secret(key, user_id, row.secret), code.strip().replace(" ", ""))
    if step is None or not await factors.accept_time_step(uow, user_id, step, confirm=confirming):
        raise SecondFactorRejected(_REJECTED)


def new_recovery_codes() -> list[str]:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    codes = ["".join(secrets.choice(alphabet) for _ in range(16)) for _ in range(RECOVERY_CODE_COUNT)]
    return [f"{code[:4]}-{code[4:8]}-{code[8:12]}-{code[12:]}" for code in codes]


def recovery_digest(code: str) -> bytes:
    return hashlib.sha256(code.strip().upper().replace("-", "").replace(" ", "").encode()).digest()


class TOTPFactor:
    """shared.factor_methods.FactorMethod for the authenticator app."""

    name = "totp"

    def __init__(self, key: bytes) -> None:
        self._key = key

    async def available(self, db: Reader, user_id: UUID) -> bool:
        row = await factors.totp_of(db, user_id)
        return row is not None and row.confirmed_at is not None

    async def request_options(self, db: Reader, user_id: UUID, challenge: bytes) -> dict[str, Any] | None:
        return None

    async def verify(self, uow: UnitOfWork, user_id: UUID, proof: Any, challenge: bytes) -> None:
        if not isinstance(proof, str):
            raise SecondFactorRejected(_REJECTED)
        await check_code(uow, self._key, user_id, proof, confirming=False)


class RecoveryCodeFactor:
    """shared.factor_methods.FactorMethod for the recovery codes: each one answers once."""

    name = "recovery_code"

    async def available(self, db: Reader, user_id: UUID) -> bool:
        return await factors.recovery_codes_left(db, user_id) > 0

    async def request_options(self, db: Reader, user_id: UUID, challenge: bytes) -> dict[str, Any] | None:
        return None

    async def verify(self, uow: UnitOfWork, user_id: UUID, proof: Any, challenge: bytes) -> None:
        if not isinstance(proof, str) or not await factors.use_recovery_code(uow, user_id, recovery_digest(proof)):
            raise SecondFactorRejected(_REJECTED)
