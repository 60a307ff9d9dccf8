"""tracedesk: contact tracing and outbreak case management."""

__version__ = "0.1.0"
