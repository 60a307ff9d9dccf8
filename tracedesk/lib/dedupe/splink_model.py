"""Train a Splink model on a batch of people and cluster likely duplicates (no Django).

Merging people is irreversible downstream, so this module only proposes clusters: every
input record gets exactly one cluster id, and the caller decides what to do with them.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from .io import Record

logger = logging.getLogger(__name__)

BACKENDS = ("duckdb", "spark")

# Contract field -> column of the prepared table that Splink compares.
FIELD_COLUMNS: dict[str, str] = {
    "first_name": "first_name",
    "last_name": "last_name",
    "dob": "dob",
    "postcode": "postcode",
    "phone": "phone",
    "email": "email",
    "nhs_number": "national_id",
    "sex": "sex",
}

# The contract labels of each field, most specific first (the order Splink tests them in).
NAME_LEVELS = ("exact", "jw92", "jw80", "phonetic", "else")
FIELD_LEVELS: dict[str, tuple[str, ...]] = {
    "first_name": NAME_LEVELS,
    "last_name": NAME_LEVELS,
    "dob": ("exact", "swapped", "year_month", "typo", "else"),
    "postcode": ("exact", "district", "else"),
    "phone": ("exact", "else"),
    "email": ("exact", "else"),
    "nhs_number": ("exact", "else"),
    "sex": ("exact", "else"),
}

# Used for any level Splink could not train (a column with no values, a level no pair
# reached). Roughly what a mid-sized UK register gives; m sums to 1 and u sums to 1.
DEFAULT_LEVELS: dict[str, dict[str, tuple[float, float]]] = {
    "first_name": {
        "exact": (0.88, 0.004),
        "jw92": (0.05, 0.002),
        "jw80": (0.03, 0.01),
        "phonetic": (0.02, 0.004),
        "else": (0.02, 0.98),
    },
    "last_name": {
        "exact": (0.9, 0.002),
        "jw92": (0.05, 0.001),
        "jw80": (0.02, 0.007),
        "phonetic": (0.01, 0.002),
        "else": (0.02, 0.988),
    },
    "dob": {
        "exact": (0.9, 0.0001),
        "swapped": (0.01, 0.00001),
        "year_month": (0.02, 0.0003),
        "typo": (0.04, 0.0017),
        "else": (0.03, 0.99789),
    },
    "postcode": {"exact": (0.8, 0.0005), "district": (0.1, 0.02), "else": (0.1, 0.9795)},
    "phone": {"exact": (0.7, 0.0001), "else": (0.3, 0.9999)},
    "email": {"exact": (0.7, 0.0001), "else": (0.3, 0.9999)},
    "nhs_number": {"exact": (0.98, 0.00001), "else": (0.02, 0.99999)},
    "sex": {"exact": (0.98, 0.5), "else": (0.02, 0.5)},
}

# Floors applied after training. An m of 0.001 caps any one disagreement at about -10 bits;
# a u of 1e-6 caps any one agreement at about +20 bits. The contract needs 0 < m, u <= 1.
_M_FLOOR = 1e-3
_U_FLOOR = 1e-6
_DEFAULT_PRIOR = 1e-4
DUCKDB_MEMORY = "2GB"


class BackendNotAvailableError(ValueError):
    """A Splink backend that this installation cannot run."""


@dataclass(frozen=True)
class LevelParameters:
    """Trained (or default) m and u of one comparison level."""

    m: float
    u: float
    trained: bool


@dataclass
class DedupeResult:
    """Clusters for every input record, in input order, plus the model that made them."""

    clusters: list[tuple[str, str]]
    parameters: dict[str, dict[str, LevelParameters]]
    probability_two_random_records_match: float
    threshold: float
    seed: int
    backend: str = "duckdb"
    pair_count: int = 0
    splink_settings: dict[str, Any] = field(default_factory=dict)
    held_back: int = 0
    """Pairs the model linked that the online scorer's household rule calls two people."""

    @property
    def cluster_count(self) -> int:
        """Count distinct clusters, singletons included."""
        return len({cluster_id for _, cluster_id in self.clusters})

    @property
    def records_in_multi_record_clusters(self) -> int:
        """Count records that share their cluster with at least one other record."""
        sizes: dict[str, int] = {}
        for _, cluster_id in self.clusters:
            sizes[cluster_id] = sizes.get(cluster_id, 0) + 1
        return sum(size for size in sizes.values() if size > 1)


def soundex(text: str) -> str:
    """Return the American Soundex code of a name ("" for a name without letters)."""
    codes = {
        **dict.fromkeys("bfpv", "1"),
        **dict.fromkeys("cgjkqsxz", "2"),
        **dict.fromkeys("dt", "3"),
        "l": "4",
        **dict.fromkeys("mn", "5"),
        "r": "6",
    }
    letters = [char for char in text.casefold() if "a" <= char <= "z"]
    if not letters:
        return ""
    result = letters[0].upper()
    previous = codes.get(letters[0], "")
    for char in letters[1:]:
        code = codes.get(char, "")
        if code and code != previous:
            result += code
            if len(result) == 4:
                break
        if char not in "hw":
            previous = code
    return result.ljust(4, "0")


_soundex = functools.lru_cache(maxsize=1 << 16)(lambda text: soundex(text))


def _prepare_columns(records: Sequence[Record], *, seed: int) -> dict[str, list[str | None]]:
    """The table Splink blocks and compares on, column by column ("" becomes NULL).

    Built as columns, not one dict per record: at a million records the difference is
    gigabytes. ``em_bucket`` is a random number per record (seeded) that training uses
    to sample pairs (``_em_rule``).
    """
    rng = random.Random(seed)  # noqa: S311  (sampling, not a secret)
    columns: dict[str, list[str | None]] = {name: [] for name in PREPARED_COLUMNS}
    put = {name: values.append for name, values in columns.items()}
    for record in records:
        dob = record.get("dob", "")
        postcode = record.get("postcode", "")
        first_name = record.get("first_name", "")
        last_name = record.get("last_name", "")
        put["unique_id"](record["record_id"])
        put["first_name"](first_name or None)
        put["last_name"](last_name or None)
        put["first_name_phonetic"](_soundex(first_name) or None)
        put["last_name_phonetic"](_soundex(last_name) or None)
        put["first_initial"](first_name[:1] or None)
        put["dob"](dob or None)
        put["birth_year"](dob[:4] or None)
        put["postcode"](postcode or None)
        put["postcode_district"](postcode.split(" ")[0] if " " in postcode else None)
        put["phone"](record.get("phone") or None)
        put["email"](record.get("email") or None)
        put["national_id"](record.get("national_id") or None)
        put["sex"](record.get("sex") or None)
        put["em_bucket"](str(rng.randrange(EM_BUCKETS)))
    return columns


PREPARED_COLUMNS = (
    *("unique_id", "first_name", "last_name", "first_name_phonetic", "last_name_phonetic"),
    *("first_initial", "dob", "birth_year", "postcode", "postcode_district", "phone", "email"),
    *("national_id", "sex", "em_bucket"),
)
EM_BUCKETS = 1 << 12
# Expectation maximisation needs a few million pairs, not billions: a session whose block
# would give more compares a uniform sample of them (``_em_rule``).
EM_PAIR_BUDGET = 2_000_000


def _pairs_within(values: Sequence[str | None]) -> int:
    """How many pairs blocking on exactly these values (NULLs never pair) would compare."""
    return sum(n * (n - 1) // 2 for value, n in Counter(values).items() if value is not None)


def _em_rule(column: str, values: Sequence[str | None]) -> Any:
    """Block an EM session on ``column`` — on a random 1/k of its pairs when there are more
    than ``EM_PAIR_BUDGET``. Two records share a bucket whatever their match status, so
    the sample keeps the block's mix of matches and non-matches, which is what EM learns
    from; the smallest k that fits the budget keeps as many true pairs as possible."""
    from splink import block_on

    pairs = _pairs_within(values)
    if pairs <= EM_PAIR_BUDGET:
        return block_on(column)
    k = min(EM_BUCKETS, 1 << math.ceil(math.log2(pairs / EM_PAIR_BUDGET)))
    logger.info("EM on %s: %d pairs, sampling 1 in %d", column, pairs, k)
    return block_on(column, f"(CAST(em_bucket AS INTEGER) % {k})")


def _comparisons(columns_with_values: set[str]) -> list[Any]:
    """Build one Splink comparison per contract field that has data, labelled by the contract.

    This is the Splink level -> contract label mapping, written once: every level's
    ``label_for_charts`` is its contract label, and its starting m and u are the documented
    defaults, which stay in force for any level that training never observes.
    """
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl

    def level(name: str, label: str, creator: Any) -> Any:
        m, u = DEFAULT_LEVELS[name][label]
        return creator.configure(label_for_charts=label, m_probability=m, u_probability=u)

    def name_levels(name: str) -> list[Any]:
        return [
            cll.NullLevel(name),
            level(name, "exact", cll.ExactMatchLevel(name)),
            level(name, "jw92", cll.JaroWinklerLevel(name, 0.92)),
            level(name, "jw80", cll.JaroWinklerLevel(name, 0.80)),
            level(name, "phonetic", cll.CustomLevel(f"{name}_phonetic_l = {name}_phonetic_r")),
            level(name, "else", cll.ElseLevel()),
        ]

    def exact_levels(name: str) -> list[Any]:
        column = FIELD_COLUMNS[name]
        return [
            cll.NullLevel(column),
            level(name, "exact", cll.ExactMatchLevel(column)),
            level(name, "else", cll.ElseLevel()),
        ]

    def dob_levels() -> list[Any]:
        return [
            cll.NullLevel("dob"),
            level("dob", "exact", cll.ExactMatchLevel("dob")),
            # Day and month swapped (a month-first entry of a UK date).
            level(
                "dob",
                "swapped",
                cll.CustomLevel(
                    "substr(dob_l, 1, 4) = substr(dob_r, 1, 4)"
                    " AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2)"
                    " AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)"
                ),
            ),
            level(
                "dob", "year_month", cll.CustomLevel("substr(dob_l, 1, 7) = substr(dob_r, 1, 7)")
            ),
            # One mistyped or transposed digit anywhere in the ISO date (1985 -> 1986 or 1958).
            level("dob", "typo", cll.DamerauLevenshteinLevel("dob", 1)),
            level("dob", "else", cll.ElseLevel()),
        ]

    def postcode_levels() -> list[Any]:
        return [
            cll.NullLevel("postcode"),
            level("postcode", "exact", cll.ExactMatchLevel("postcode")),
            level(
                "postcode",
                "district",
                cll.CustomLevel("postcode_district_l = postcode_district_r"),
            ),
            level("postcode", "else", cll.ElseLevel()),
        ]

    builders: dict[str, Callable[[], list[Any]]] = {
        "first_name": lambda: name_levels("first_name"),
        "last_name": lambda: name_levels("last_name"),
        "dob": dob_levels,
        "postcode": postcode_levels,
        "phone": lambda: exact_levels("phone"),
        "email": lambda: exact_levels("email"),
        "nhs_number": lambda: exact_levels("nhs_number"),
        "sex": lambda: exact_levels("sex"),
    }
    return [
        cl.CustomComparison(builders[name](), output_column_name=name, comparison_description=name)
        for name, column in FIELD_COLUMNS.items()
        if column in columns_with_values
    ]


def _blocking_rules() -> list[Any]:
    from splink import block_on

    # Surname and birth year alone is the widest block: 30 million pairs at a million
    # people (a common surname holds ~100 people a year). Its first initial cuts that
    # twentyfold; a first name changed at its first letter (a nickname) is still found
    # by surname and exact date of birth, or by postcode, phone or e-mail.
    return [
        block_on("last_name", "birth_year", "first_initial"),
        block_on("last_name", "dob"),
        block_on("postcode", "first_initial"),
        block_on("phone"),
        block_on("national_id"),
        block_on("email"),
        block_on("first_name", "dob"),
    ]


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}: choose one of {', '.join(BACKENDS)}")
    if backend == "spark":
        try:
            import pyspark  # noqa: F401
        except ImportError:
            raise BackendNotAvailableError(
                "the spark backend needs pyspark and Java 17 (pip install 'tracedesk[spark]');"
                " use backend 'duckdb' otherwise"
            ) from None


def _natural_key(record_id: str) -> tuple[int, int, str]:
    """Order numeric ids numerically and before text ids, so cluster ids are predictable."""
    if record_id.isdigit():
        return (0, int(record_id), record_id)
    return (1, 0, record_id)


def _default_parameters() -> dict[str, dict[str, LevelParameters]]:
    return {
        name: {
            label: LevelParameters(m=m, u=u, trained=False)
            for label, (m, u) in DEFAULT_LEVELS[name].items()
        }
        for name in FIELD_LEVELS
    }


def _floor_probabilities(settings: dict[str, Any]) -> dict[str, Any]:
    """Floor trained m and u in Splink's saved model so no level is a certain veto or link.

    EM on a small batch can see every true pair agree on, say, email and train m(else) = 0,
    which would make one changed email address forbid a match outright.
    """
    for comparison in settings.get("comparisons", []):
        for level in comparison.get("comparison_levels", []):
            if level.get("is_null_level"):
                continue
            for key, floor in (("m_probability", _M_FLOOR), ("u_probability", _U_FLOOR)):
                value = level.get(key)
                if isinstance(value, int | float):
                    level[key] = min(1.0, max(floor, float(value)))
    return settings


def _trained_parameters(settings: dict[str, Any]) -> dict[str, dict[str, LevelParameters]]:
    """Read m and u by contract label from Splink's saved model, defaults where untrained."""
    parameters = _default_parameters()
    for comparison in settings.get("comparisons", []):
        name = comparison.get("output_column_name")
        if name not in FIELD_LEVELS:
            continue
        for level in comparison.get("comparison_levels", []):
            label = level.get("label_for_charts")
            if level.get("is_null_level") or label not in FIELD_LEVELS[name]:
                continue
            default = parameters[name][label]
            m, u = level.get("m_probability"), level.get("u_probability")
            m = float(m) if isinstance(m, int | float) else default.m
            u = float(u) if isinstance(u, int | float) else default.u
            parameters[name][label] = LevelParameters(
                m=m, u=u, trained=m != default.m and u != default.u
            )
    return parameters


def _clusters_from_links(
    record_ids: Sequence[str], links: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Give every record the smallest record id of its connected component."""
    parent = {record_id: record_id for record_id in record_ids}

    def find(node: str) -> str:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for left, right in links:
        root_left, root_right = find(left), find(right)
        if root_left == root_right:
            continue
        if _natural_key(root_left) < _natural_key(root_right):
            parent[root_right] = root_left
        else:
            parent[root_left] = root_right
    return [(record_id, find(record_id)) for record_id in record_ids]


def dedupe(
    records: Sequence[Record],
    *,
    backend: str = "duckdb",
    threshold: float = 0.9,
    seed: int = 1,
    max_pairs: float = 2e6,
) -> DedupeResult:
    """Train a Splink model on ``records``, link pairs at ``threshold`` and cluster them."""
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be a match probability between 0 and 1, not {threshold}")
    _check_backend(backend)
    record_ids = [record["record_id"] for record in records]
    if len(set(record_ids)) != len(record_ids):
        raise ValueError("record ids must be unique")
    if len(records) < 2:
        return DedupeResult(
            clusters=_clusters_from_links(record_ids, []),
            parameters=_default_parameters(),
            probability_two_random_records_match=_DEFAULT_PRIOR,
            threshold=threshold,
            seed=seed,
            backend=backend,
        )
    linked, prior, settings = _run_splink(
        records, backend=backend, threshold=threshold, seed=seed, max_pairs=max_pairs
    )
    links = _without_household_pairs(records, linked)
    return DedupeResult(
        clusters=_clusters_from_links(record_ids, links),
        parameters=_trained_parameters(settings),
        probability_two_random_records_match=prior,
        threshold=threshold,
        seed=seed,
        backend=backend,
        pair_count=len(links),
        splink_settings=settings,
        held_back=len(linked) - len(links),
    )


def _without_household_pairs(
    records: Sequence[Record], links: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Drop the linked pairs that are two members of one household by the online scorer's rule.

    Family members share a surname, an address and a phone, which the batch model weighs
    as it must for the same person at two addresses; only the first name (and the birth
    date) tell them apart. Pairs whose first names disagree, with neither a date of birth
    nor an NHS number agreeing (``other_household_member``), are not the same person
    whatever the model's probability, and clustering through them would chain whole
    households into one cluster.
    """
    from tracedesk.lib.matching import DEFAULT_PARAMETERS, prepare, score
    from tracedesk.lib.matching.scorer import RULE_OTHER_MEMBER

    wanted = {record_id for pair in links for record_id in pair}
    prepared = {
        record["record_id"]: prepare({**record, "nhs_number": record.get("national_id", "")})
        for record in records
        if record["record_id"] in wanted
    }
    return [
        (left, right)
        for left, right in links
        if RULE_OTHER_MEMBER not in score(prepared[left], prepared[right], DEFAULT_PARAMETERS).rules
    ]


@contextlib.contextmanager
def _database(backend: str, frame: Any) -> Iterator[tuple[Any, Any]]:
    """Splink's database API for ``backend`` and the table to give it."""
    if backend == "spark":
        from splink import SparkAPI

        spark = spark_session()
        table = spark.createDataFrame(frame.astype(object).where(frame.notna(), None))
        yield SparkAPI(spark_session=spark), table
        return
    import duckdb
    from splink import DuckDBAPI

    connection = duckdb.connect(":memory:")
    try:
        # Leave room for the Python side on a small machine; DuckDB spills past it.
        connection.execute(f"SET memory_limit = '{DUCKDB_MEMORY}'")
        yield DuckDBAPI(connection=connection), frame
    finally:
        connection.close()


def spark_session() -> Any:
    """A local Spark session with Splink's similarity functions (its jar) registered.

    On a cluster, create the session with the cluster's master before calling ``dedupe``:
    ``getOrCreate`` returns it. Locally it uses every core (``local[*]``),
    ``TRACEDESK_SPARK_DRIVER_MEMORY`` (default 4g) and ``TRACEDESK_SPARK_PARTITIONS``
    shuffle partitions (default 16; a small batch runs faster with 1 or 2).
    """
    import os
    import tempfile

    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    spark = (
        SparkSession.builder.appName("tracedesk-dedupe")
        .master(os.environ.get("TRACEDESK_SPARK_MASTER", "local[*]"))
        .config("spark.jars", similarity_jar_location())
        .config("spark.driver.memory", os.environ.get("TRACEDESK_SPARK_DRIVER_MEMORY", "4g"))
        .config(
            "spark.sql.shuffle.partitions",
            os.environ.get("TRACEDESK_SPARK_PARTITIONS", "16"),  # a few per core
        )
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)
    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="tracedesk-spark-"))
    return spark


def _run_splink(
    records: Sequence[Record], *, backend: str, threshold: float, seed: int, max_pairs: float
) -> tuple[list[tuple[str, str]], float, dict[str, Any]]:
    import pandas as pd
    from splink import Linker, SettingsCreator

    # Splink exports no public exception module in 4.x; this is where EM raises from.
    from splink.internals.exceptions import EMTrainingException

    columns = _prepare_columns(records, seed=seed)
    columns_with_values = {name for name, values in columns.items() if any(values)}
    em_rules = [_em_rule(column, columns[column]) for column in ("birth_year", "last_name")]
    frame = pd.DataFrame(columns, dtype=object)
    del columns
    with _database(backend, frame) as (db_api, table):
        settings = SettingsCreator(
            link_type="dedupe_only",
            unique_id_column_name="unique_id",
            comparisons=_comparisons(columns_with_values),
            blocking_rules_to_generate_predictions=_blocking_rules(),
            retain_intermediate_calculation_columns=False,
            retain_matching_columns=False,
        )
        linker = Linker(table, settings, db_api=db_api, set_up_basic_logging=False)
        _estimate_prior(linker)
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        # Each session fixes the comparisons its blocking columns feed, so two sessions on
        # different columns train every comparison. Both blocks are broad enough to hold
        # non-matches (a whole birth year, a surname): blocking on exact dob left EM seeing
        # only true pairs, and households sharing surname, address and phone were merged.
        for column, rule in zip(("birth_year", "last_name"), em_rules, strict=True):
            try:
                linker.training.estimate_parameters_using_expectation_maximisation(
                    rule, estimate_without_term_frequencies=True
                )
            except EMTrainingException:
                # Tiny inputs can leave a session with no pairs; the defaults then stand.
                logger.warning("EM session blocked on %s found no pairs", column)
        model = _floor_probabilities(linker.misc.save_model_to_json())
        # Rules that find no certain matches leave a prior of 0, which would forbid all links.
        if not model.get("probability_two_random_records_match"):
            model["probability_two_random_records_match"] = _DEFAULT_PRIOR
        scorer = Linker(table, model, db_api=db_api, set_up_basic_logging=False)
        predictions = scorer.inference.predict(threshold_match_probability=threshold)
        links = sorted(
            (str(pair["unique_id_l"]), str(pair["unique_id_r"]))
            for pair in predictions.as_record_dict()
            if pair["match_probability"] >= threshold
        )
        prior = float(model.get("probability_two_random_records_match") or _DEFAULT_PRIOR)
        return links, prior, model


def _estimate_prior(linker: Any) -> None:
    """Estimate how likely two random records match from near-certain deterministic rules."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "dob"), block_on("national_id")], recall=0.7
    )


def match_weight(probability: float, prior: float) -> float:
    """Return the sum of field weights (log2 Bayes factors) that reaches ``probability``."""
    prior = min(max(prior, 1e-12), 1 - 1e-12)
    return math.log2(probability / (1 - probability)) - math.log2(prior / (1 - prior))
