"""Duplicates: the Hamming index, pairs, stored groups, decisions and file checks."""
