"""A sans-I/O bsread codec: bytes in, message views and bytes out; no sockets."""

from .compression import COMPRESSIONS, compress, decompress
from .encoder import ExtraChannels, OutputEncoder, channel_entry, timestamp_bytes
from .forward import ChannelForwarder
from .headers import ChannelSpec, DataHeader, MainHeader
from .image import LazyImage
from .message import Decoder, Message

__all__ = [
    "COMPRESSIONS",
    "ChannelForwarder",
    "ChannelSpec",
    "DataHeader",
    "Decoder",
    "ExtraChannels",
    "LazyImage",
    "MainHeader",
    "Message",
    "OutputEncoder",
    "channel_entry",
    "compress",
    "decompress",
    "timestamp_bytes",
]
