"""Framework-free helpers: no Django imports below this package."""
