"""Reports over the catalog: the reuse audit and the credits count."""
