"""Plain functions over image files: decode, digests, hashes, metadata, renditions."""
