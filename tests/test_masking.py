"""The credential masker's quick test: a text it lets through unscanned holds nothing the masker would
mask. It is a superset test kept beside the patterns by hand, so it is checked here against them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from taskdeflint.engine.masking import _ANY_CREDENTIAL, _CREDENTIALS, mask_credentials

# Pieces the patterns are made of, so that generated texts often come close to a credential.
PIECES = [
    "Authorization: ",
    "authorization=",
    "Bearer ",
    "basic ",
    "https://",
    "user:",
    "pw@host",
    " -u ",
    "--user=",
    "DB_PASSWORD=",
    "api-key: ",
    "X-Amz-Signature=",
    "AKIA",
    "ASIA",
    "ABCDEFGHIJKLMNOP",
    "eyJ",
    "abcd.",
    "efgh.",
    "'",
    '"',
    " ",
    "=",
    ":",
    "@",
    "/",
    "x",
    "0123456789",
    "token",
    "Secret",
]


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.text(max_size=4), max_size=12).map("".join))
def test_what_the_quick_test_passes_over_holds_no_credential(text: str) -> None:
    if _ANY_CREDENTIAL.search(text.lower()) is None:
        assert not any(pattern.search(text) for pattern in _CREDENTIALS), text
        assert mask_credentials(text) == text


def test_each_kind_of_credential_is_masked() -> None:
    cases = {
        'curl -H "Authorization: Bearer abcdefghijkl" x': 'curl -H "Authorization: Bearer ***" x',
        "https://bob:hunter2@db.example.com/x": "https://bob:***@db.example.com/x",
        "curl -u bob:hunter2 x": "curl -u bob:*** x",
        "curl --user=bob:hunter2 x": "curl --user=bob:*** x",
        "DB_PASSWORD=hunter2 x": "DB_PASSWORD=*** x",
        "key AKIAABCDEFGHIJKLMNOP": "key ***",
        "jwt eyJhbGci.eyJzdWIi.abc": "jwt ***",
        "?X-Amz-Signature=abcdef": "?X-Amz-Signature=***",
    }
    assert {text: mask_credentials(text) for text in cases} == cases
