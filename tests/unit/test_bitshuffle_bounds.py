"""The compiled bitshuffle decoder reads no further than a block's size prefix says.

The codec hands whole runs of blocks to ``bitshuffle.decompress_lz4`` once their size prefixes
are known to lie inside the value. That is only safe if the decoder also stops at the end each
prefix declares, whatever the LZ4 bytes inside ask for (``LZ4_decompress_safe``; the older
``LZ4_decompress_fast`` reads on). Here a block whose LZ4 stream runs on past its declared
length sits right before an unreadable page, in a child process so that a crash fails the test
instead of ending the run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from psen_processing.codec.bitshuffle_lz4 import BitshuffleLz4Value
from psen_processing.codec.compression import compress
from psen_processing.errors import ProtocolError

_CHILD = textwrap.dedent(
    """
    import ctypes, mmap, sys
    import numpy as np, bitshuffle

    cut = int(sys.argv[1])  # bytes of the LZ4 stream left out of the block's declared length
    block = 4096
    values = np.random.default_rng(7).integers(0, 60000, block).astype(np.uint16)
    stream = bitshuffle.compress_lz4(values, block).tobytes()  # size prefix, then LZ4
    lz4_bytes = stream[4:]
    declared = len(lz4_bytes) - cut
    payload = declared.to_bytes(4, "big") + lz4_bytes  # all of it, only `declared` announced
    page = mmap.PAGESIZE
    readable = (len(payload) // page + 1) * page
    area = mmap.mmap(-1, readable + page)
    start = readable - (4 + declared)  # the announced block ends where the guard page begins
    area[start : start + 4 + declared] = payload[: 4 + declared]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mprotect.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    # PROT_NONE (0): any read of the guard page ends the process with SIGSEGV
    base = ctypes.addressof(ctypes.c_char.from_buffer(area))
    if libc.mprotect(base + readable, page, 0) != 0:
        sys.exit("mprotect failed: %d" % ctypes.get_errno())
    data = np.frombuffer(area, dtype=np.uint8, count=4 + declared, offset=start)
    try:
        out = bitshuffle.decompress_lz4(data, (block,), np.dtype(np.uint16), block)
    except RuntimeError:
        print("refused")
    else:
        print("decoded" if np.array_equal(out, values) else "wrong")
    """
)


def _run_child(cut: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _CHILD, str(cut)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_whole_block_against_an_unreadable_page_decodes() -> None:
    """The set-up itself: a sound block that ends at the guard page is read completely."""
    child = _run_child(0)
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "decoded"


@pytest.mark.parametrize("cut", [1, 64, 1000])
def test_a_block_whose_stream_runs_past_its_declared_length_is_refused_without_reading_on(
    cut: int,
) -> None:
    child = _run_child(cut)
    assert child.returncode >= 0, "the decoder read past the block's declared end and crashed"
    assert child.returncode == 0, child.stderr
    assert child.stdout.strip() == "refused"


def test_a_broken_block_inside_a_run_is_named() -> None:
    image = np.random.default_rng(3).integers(0, 4000, (64, 1024)).astype("<u2")
    raw = bytearray(compress(image, "bitshuffle_lz4"))
    value = BitshuffleLz4Value(memoryview(bytes(raw)), image.nbytes, image.dtype)
    value.check_structure()
    at = value._offset(9) + 4  # the first payload byte of block 9 (of 16)
    raw[at : at + 40] = b"\xff" * 40
    broken = BitshuffleLz4Value(memoryview(bytes(raw)), image.nbytes, image.dtype)
    broken.check_structure()  # the chain is intact; only decoding block 9 finds the damage
    np.testing.assert_array_equal(broken.elements(0, 9 * 4096), image.ravel()[: 9 * 4096])
    with pytest.raises(ProtocolError, match="block 9") as caught:
        broken.elements(4 * 4096, 12 * 4096)
    assert caught.value.reason == "corrupt_compressed_data"
