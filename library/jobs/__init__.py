"""Jobs: long work recorded in the catalog, run by Celery workers or in this process.

records.py keeps the jobs table (state, counts, failures); tasks.py holds the
work of each kind; broker.py sends it to Celery workers when a broker is
configured; running.py runs it here otherwise, exactly as before.
"""
