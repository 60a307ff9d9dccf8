"""Properties of recipient handling, for any input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracedesk.messaging.actions import is_mobile
from tracedesk.messaging.gateways import GatewayError, Outgoing, one_address

SEPARATORS = st.sampled_from([",", ";", " ", "\n"])
PARTS = st.text(alphabet=st.characters(blacklist_characters=",; \n"), min_size=1, max_size=30)


# A part that is all whitespace (a stray "\x85") is trimmed away, leaving one address: the
# property is about two real parts joined by a separator.
WORDS = PARTS.filter(lambda text: text.strip() == text and bool(text))


@given(first=WORDS, separator=SEPARATORS, second=WORDS)
def test_anything_that_could_be_two_recipients_is_refused(
    first: str, separator: str, second: str
) -> None:
    with pytest.raises(GatewayError) as refused:
        one_address(Outgoing(1, "email", f"{first}{separator}{second}", "s", "b"))
    assert refused.value.permanent


@given(address=WORDS)
def test_a_single_address_passes_unchanged(address: str) -> None:
    assert one_address(Outgoing(1, "sms", address, "", "b")) == address


@pytest.mark.parametrize(
    ("phone", "mobile"),
    [("07700900123", True), ("01132000000", False), ("07012345678", False),  # 070: personal
     ("0770090012", False), ("", False)],
)  # fmt: skip
def test_only_uk_mobiles_get_text_messages(phone: str, mobile: bool) -> None:
    assert is_mobile(phone) is mobile
