"""A client library for accessing Leonardo.AI Realtime Canvas API"""

from .client import AuthenticatedClient, Client

__all__ = (
    "AuthenticatedClient",
    "Client",
)
