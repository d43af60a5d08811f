"""Indexed completions keep the text as written beside the normalized key."""

from __future__ import annotations

from search.analysis.tokens import suggest_display, suggest_term, tokenize


def test_a_completion_is_matched_normalized_and_shown_as_written() -> None:
    term = suggest_term(tokenize("3M  ESPE"), "3M  ESPE")
    assert term.startswith("3 m espe") and suggest_display(term) == "3M ESPE"
    assert suggest_display("3 m espe") == "3 m espe"  # an index built before: the bare key
    assert suggest_term([], "!!") == ""
