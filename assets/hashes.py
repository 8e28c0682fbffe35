"""Perceptual hashes as signed 64-bit integers, the form the catalog indexes."""

from __future__ import annotations

import imagehash
import numpy as np
from PIL import Image

IMAGEHASH_VERSION: str = getattr(imagehash, "__version__", "unknown")


def hash_to_int64(value: imagehash.ImageHash) -> int:
    """Pack a 64-bit ImageHash into a signed integer (bit 0 of the array is the top bit)."""
    bits = np.asarray(value.hash, dtype=bool).ravel()
    if bits.size != 64:
        raise ValueError(f"expected a 64-bit hash, got {bits.size} bits")
    unsigned = int.from_bytes(np.packbits(bits).tobytes(), "big")
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def int64_to_hex(value: int) -> str:
    """The 16-digit hex form imagehash prints, for explanations."""
    return f"{value & 0xFFFFFFFFFFFFFFFF:016x}"


def perceptual_hashes(image: Image.Image) -> dict[str, int]:
    """pHash and dHash of an upright image."""
    return {
        "phash": hash_to_int64(imagehash.phash(image)),
        "dhash": hash_to_int64(imagehash.dhash(image)),
    }
