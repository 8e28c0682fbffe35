"""The catalog proper: photos, queries and search, edits with history, users, the file store."""
