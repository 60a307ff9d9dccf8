"""Laboratory feed parsers: CSV, FHIR R4 (NDJSON, Bundle) and HL7 v2.5.1 ORU^R01.

Every format becomes a stream of :class:`SourceRecord` in the canonical form described in
``docs/lab-feeds.md``::

    feed = open_feed(path)            # or open_feed(path, format="hl7", skip=5000)
    for record in feed:
        if record.error: ...          # record.number, record.error.field, record.error.reason
    feed.declared_count, feed.records_read, feed.warnings
"""

from .csvfeed import CsvFeed
from .detect import detect_format, open_feed
from .fhirfeed import FhirBundleFeed, FhirNdjsonFeed
from .hl7feed import Hl7Feed
from .records import (
    CANONICAL_FIELDS,
    FORMATS,
    RECORD,
    REQUIRED_COLUMNS,
    Feed,
    FeedError,
    RecordError,
    SourceRecord,
)

__all__ = [
    "CANONICAL_FIELDS",
    "FORMATS",
    "RECORD",
    "REQUIRED_COLUMNS",
    "CsvFeed",
    "Feed",
    "FeedError",
    "FhirBundleFeed",
    "FhirNdjsonFeed",
    "Hl7Feed",
    "RecordError",
    "SourceRecord",
    "detect_format",
    "open_feed",
]
