"""Every web route of the project, found from the URL configuration itself."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver

# Mounted applications with their own access tests.
SEPARATELY_TESTED_PREFIXES = ("admin/", "api/")


def named_web_routes() -> set[str]:
    """Return the names of all URL patterns outside the admin site and the API."""
    names: set[str] = set()

    def walk(patterns: list[URLPattern | URLResolver], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(SEPARATELY_TESTED_PREFIXES):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif pattern.name:
                names.add(pattern.name)
            else:
                raise AssertionError(f"unnamed route {route!r}: name it so the matrix covers it")

    walk(get_resolver().url_patterns, "")
    return names
