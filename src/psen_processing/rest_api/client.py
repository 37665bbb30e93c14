"""``psen_processing.rest_api.client``: where 1.x's scripts import the client from. The client
is :class:`psen_processing.PsenProcessingClient` itself, not a copy."""

from ..client import PsenProcessingClient

__all__ = ["PsenProcessingClient"]
