"""Ingest: the pipeline that discovers, reads, hashes, matches and stores photos."""
