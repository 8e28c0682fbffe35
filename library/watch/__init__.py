"""Hot folders: drop folders watched for new photos, each ingested once it is complete.

settle.py decides when a file has stopped changing; folders.py finds arrivals,
queues them as ingest jobs and remembers what it queued; observing.py wakes it
with watchdog's events (inotify, or polling where that is unavailable).
"""
