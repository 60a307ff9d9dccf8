"""Shared test support: named personas and a small two-district world."""
