"""Articles: importers for exports and pages, the import into the catalog, usages."""
