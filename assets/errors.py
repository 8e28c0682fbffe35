"""Exceptions raised by the image-asset functions."""

from __future__ import annotations


class AssetError(Exception):
    """An image file could not be read or processed."""


class UnsupportedFormatError(AssetError):
    """The file is not an image format photodesk catalogs."""


class ImageTooLargeError(AssetError):
    """The image claims more pixels than the configured limit (a decompression bomb)."""


class CorruptImageError(AssetError):
    """The file looks like an image but cannot be decoded."""


class TruncatedImageError(CorruptImageError):
    """The file ends before its image data does, and too much of the picture is missing."""


class DecodeTimeoutError(AssetError):
    """Decoding took longer than the per-file time limit."""


class MetadataError(AssetError):
    """An embedded metadata block is malformed."""
