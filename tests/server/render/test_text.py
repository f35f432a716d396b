"""``shorten``'s shortcut for long plain text (it looks at the head first) gives what looking at the
whole text gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.render.text import _shortened, shorten

WORDS = st.sampled_from(["Hi,", "printer", "jams", "on", "floor", "2.", "Thanks,", "supercalifragilistic"])
SPACES = st.sampled_from([" ", "\n", "\n\n", "\t", " " * 40, "\n" * 120])


@given(st.lists(st.tuples(WORDS, SPACES), max_size=80), st.integers(min_value=10, max_value=200))
def test_the_head_first_shortcut_matches_the_whole_text(pieces: list[tuple[str, str]], limit: int) -> None:
    text = "".join(word + space for word, space in pieces)
    assert shorten(text, limit) == _shortened(text, limit)


def test_whitespace_filling_the_head_does_not_hide_the_rest() -> None:
    text = "Printer on floor 3 is jammed." + "\n" * 250 + "Also the scanner next to it shows error E42."
    assert shorten(text, 80) == (
        "Printer on floor 3 is jammed. Also the scanner next to it shows error E42.",
        False,
    )
    assert shorten(text + " It stopped on Monday and nobody can scan since.", 80)[1] is True


def test_a_greeting_whose_line_break_is_past_the_head_is_left_out_as_in_the_whole_text() -> None:
    text = "Hi, Hi, Hi," + "\n" * 120 + "Hi, "  # found by the property above: the head's 73
    assert shorten(text, 10) == ("Hi,", False)  # newlines, stripped, took the greeting's end
