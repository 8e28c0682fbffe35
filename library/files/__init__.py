"""Files outside the catalog: exiftool, export and write-back, verify, backup."""
