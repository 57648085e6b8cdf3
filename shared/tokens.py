"""Access tokens: JWT (HS256, algorithm pinned) with iss, aud, exp, sub, role, sid and kid.

A token names the session it was issued for (sid): it is only as good as that session, which
every request checks in the database, so signing out or an idle session ends the token too.

The kid is a fingerprint of the signing key, so keys rotate without a separate setting: put the
new key in JWT_SIGNING_KEY and the old one in JWT_PREVIOUS_SIGNING_KEY; tokens signed with the old
key keep verifying until it is removed.
"""

import hashlib
import time
from dataclasses import dataclass
from uuid import UUID

import jwt

from shared.errors import NotAuthenticated

ALGORITHM = "HS256"
_VERIFIED_CACHE_SIZE = 4096


def key_id(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Claims:
    user_id: UUID
    role: str
    session_id: UUID


class TokenService:
    def __init__(self, signing_key: str, previous_key: str | None, issuer: str, audience: str,
                 ttl_seconds: int) -> None:
        self._signing_key = signing_key
        self._kid = key_id(signing_key)
        self._keys = {self._kid: signing_key}
        if previous_key:
            self._keys[key_id(previous_key)] = previous_key
        self._issuer = issuer
        self._audience = audience
        self.ttl_seconds = ttl_seconds
        # Tokens this worker has verified, with their expiry: a client sends the same token with
        # every request until it expires, and PyJWT's full check was an eighth of a transfer's
        # Python time (bench/, docs/benchmarks.md). Keyed by the whole token, so any other
        # string is a miss and gets the full check. The user's current state is still checked on
        # every request, in the database: by shared/auth.authenticate (role and active flag), or,
        # on transfers, by post_transfer itself (active flag; a transfer needs no role).
        self._verified: dict[str, tuple[Claims, int]] = {}

    def issue(self, user_id: UUID, role: str, session_id: UUID) -> str:
        now = int(time.time())
        claims = {"iss": self._issuer, "aud": self._audience, "sub": str(user_id), "role": role,
                  "sid": str(session_id), "iat": now, "exp": now + self.ttl_seconds}
        return jwt.encode(claims, self._signing_key, algorithm=ALGORITHM, headers={"kid": self._kid})

    def verify(self, token: str) -> Claims:
        """Raises NotAuthenticated for anything but a valid, unexpired token of ours."""
        known = self._verified.get(token)
        if known is not None and time.time() < known[1]:
            return known[0]
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(header.get("kid", ""))
            if key is None or header.get("alg") != ALGORITHM:
                raise NotAuthenticated("The access token is not valid.")
            claims = jwt.decode(token, key, algorithms=[ALGORITHM], audience=self._audience,
                                issuer=self._issuer, options={"require": ["exp", "iss", "aud", "sub", "sid"]})
            verified = Claims(user_id=UUID(claims["sub"]), role=str(claims.get("role", "")),
                              session_id=UUID(claims["sid"]))
        except jwt.ExpiredSignatureError:
            raise NotAuthenticated("The access token has expired. Sign in again.") from None
        except (jwt.InvalidTokenError, ValueError, TypeError, AttributeError):
            raise NotAuthenticated("The access token is not valid.") from None
        if len(self._verified) >= _VERIFIED_CACHE_SIZE:
            self._verified.clear()
        if isinstance(claims["exp"], int):
            self._verified[token] = (verified, claims["exp"])
        return verified
