"""The package path of psen_processing 1.x's REST client, kept so that its imports still work:
``from psen_processing.rest_api.client import PsenProcessingClient``."""

from ..client import PsenProcessingClient

__all__ = ["PsenProcessingClient"]
