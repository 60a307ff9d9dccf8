"""Batch person deduplication with Splink on DuckDB (no Django).

Read a CSV with :func:`read_people`, cluster with :func:`dedupe`, and hand the trained
parameters to the online scorer with :func:`write_parameters`. Splink, DuckDB and pandas are
imported only when a model is trained.
"""

from __future__ import annotations

from .io import FIELDS, ReadResult, parse_mapping, read_people
from .parameters import export_parameters, write_parameters
from .splink_model import BackendNotAvailableError, DedupeResult, dedupe

__all__ = [
    "FIELDS",
    "BackendNotAvailableError",
    "DedupeResult",
    "ReadResult",
    "dedupe",
    "export_parameters",
    "parse_mapping",
    "read_people",
    "write_parameters",
]
