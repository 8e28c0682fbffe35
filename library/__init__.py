"""The photodesk catalog: models, sessions, ingest, queries and the command line."""
