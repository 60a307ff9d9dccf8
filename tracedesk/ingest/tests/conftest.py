from __future__ import annotations

from pathlib import Path

import pytest

from tracedesk.lib.synth import SynthConfig, generate


@pytest.fixture(scope="session")
def malformed_outbreak(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated outbreak whose lab feed, in every format, has 5% malformed records."""
    directory = tmp_path_factory.mktemp("malformed")
    generate(SynthConfig(people=2000, days=40, seed=5, malformed_rate=0.05), directory)
    return directory
