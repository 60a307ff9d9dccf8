from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tracedesk.geography.models import Jurisdiction, Level
from tracedesk.testing.world import World


def test_paths_and_subtrees(world: World) -> None:
    assert world.leeds.path == "/E92000001/E12000003/E08000035/"
    assert set(world.england.subtree()) >= {world.leeds, world.camden}
    yorkshire = world.leeds.parent
    assert yorkshire is not None
    assert world.camden not in set(yorkshire.subtree())


@pytest.mark.parametrize(
    ("level", "parent_code"),
    [(Level.LOCAL_AUTHORITY, "E92000001"), (Level.REGION, None), (Level.NATION, "E92000001")],
)
def test_levels_must_nest(world: World, level: str, parent_code: str | None) -> None:
    parent = Jurisdiction.objects.get(code=parent_code) if parent_code else None
    with pytest.raises(ValidationError) as error:
        Jurisdiction(code="X1", name="Bad", level=level, parent=parent).full_clean()
    assert "parent" in error.value.message_dict
