"""`TokenState`: a bearer token from ``POST /token`` and when to renew it (shared by both `TokenAuth` flows)."""

from __future__ import annotations

from dataclasses import dataclass

from sectra_dpat_client._core.auth import check_secret
from sectra_dpat_client._generated.dpat_api.models import Token
from sectra_dpat_client.errors import DPATQueryError, DPATResponseError

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
        """The state after ``/token`` answered ``token`` at time ``now``; `DPATResponseError` (not showing it) for
        an access token no header can carry, before httpx would put it into an exception."""
        problem = _unsendable(token.access_token)
        if problem is not None:
            raise DPATResponseError(f"POST /token: {problem}", path="/token")
        lifetime = max(0, int(token.expires_in))
        margin = min(60, lifetime // 2)
        return TokenState(token=token.access_token, renew_at=now + lifetime - margin, generation=self.generation + 1)

    def __repr__(self) -> str:
        return f"TokenState(token=<redacted>, renew_at={self.renew_at!r}, generation={self.generation})"


def _unsendable(access_token: object) -> str | None:
    """Why ``access_token`` cannot be sent as a bearer token (a message without it), or None."""
    try:
        check_secret("the access token", access_token)
    except DPATQueryError:
        return "the server issued an access token no header can carry (not a string, whitespace, control or non-ASCII)"
    if not access_token:
        return "the server issued an empty access token"
    return None
