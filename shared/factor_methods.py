"""What a second factor is to the sign-in step, the step-up and the payment confirmation.

Each kind (an authenticator app's codes, recovery codes, passkeys) implements FactorMethod; the
challenge flow (shared/second_factors.py) asks each whether the user has it, hands the client
what answering needs (a passkey's request options), and checks the answer in the unit of work
that marks the challenge answered. `challenge` is the challenge row's value: what a passkey
assertion must sign, so an assertion made for one challenge (one payment's amount and payee)
fails for any other.
"""

from typing import Any, Protocol
from uuid import UUID

from shared.db import Reader, UnitOfWork


class FactorMethod(Protocol):
    name: str  # 'totp', 'recovery_code' or 'passkey': the `method` a client names

    async def available(self, db: Reader, user_id: UUID) -> bool:
        """Whether the user holds this factor (enrolled and usable)."""
        ...

    async def request_options(self, db: Reader, user_id: UUID, challenge: bytes) -> dict[str, Any] | None:
        """What the client needs to answer (a passkey's PublicKeyCredentialRequestOptions as JSON);
        None for a factor answered with a typed code."""
        ...

    async def verify(self, uow: UnitOfWork, user_id: UUID, proof: Any, challenge: bytes) -> None:
        """Accept the answer (a code string, or a WebAuthn credential as JSON), recording what makes
        it single use (a TOTP time step, a recovery code, a sign counter) in uow; raise
        errors.SecondFactorRejected otherwise, saying nothing of why."""
        ...
