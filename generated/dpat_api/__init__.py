"""A client library for accessing Sectra DPAT Image Analysis API (IA-API)"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
