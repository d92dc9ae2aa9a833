"""`TokenState`: a bearer token from ``POST /token`` and when to renew it (shared by both `TokenAuth` flows)."""

from __future__ import annotations

from dataclasses import dataclass

from sectra_dpat_client._generated.dpat_api.models import Token

__all__ = ["TokenState"]


@dataclass(frozen=True, slots=True)
class TokenState:
    """A bearer token and when to renew it (monotonic seconds); ``generation`` counts renewals."""

    token: str = ""
    renew_at: float = float("-inf")
    generation: int = 0

    def fresh(self, now: float) -> bool:
        """Whether the token can still be used without renewing it."""
        return bool(self.token) and now < self.renew_at

    def renewed(self, token: Token, now: float) -> TokenState:
        """The state after ``/token`` answered ``token`` at time ``now``."""
        lifetime = max(0, int(token.expires_in))
        margin = min(60, lifetime // 2)
        return TokenState(token=token.access_token, renew_at=now + lifetime - margin, generation=self.generation + 1)

    def __repr__(self) -> str:
        return f"TokenState(token=<redacted>, renew_at={self.renew_at!r}, generation={self.generation})"
