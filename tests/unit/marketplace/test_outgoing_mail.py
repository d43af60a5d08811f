"""What ``/admin/e-post`` shows of a message: link tokens masked (``shown_context``,
``mask_tokens``), a password reset's in every environment."""

from __future__ import annotations

from marketplace.outgoing_mail import MASK, mask_tokens, shown_context

RESET = "https://valbar.se/konto/nytt-losenord?token=eyJ1IjoxfQ.Zz.sig"
INVITE = "https://valbar.se/inbjudan/abcdef123"
CONFIRM = "https://valbar.se/bekrafta-registrering/xyz789"


def test_a_password_reset_link_is_masked_even_in_the_demo() -> None:
    for reveal in (False, True):
        shown = shown_context("password_reset", {"link": RESET, "hours": 24}, reveal)
        assert shown == {"link": f"https://valbar.se/konto/nytt-losenord?token={MASK}", "hours": 24}
        assert "eyJ1" not in mask_tokens(f"Open {RESET} now", reveal)


def test_one_time_links_are_shown_only_in_the_demo() -> None:
    for template, link in (("invitation", INVITE), ("signup_confirm", CONFIRM)):
        hidden = shown_context(template, {"link": link}, reveal_links=False)["link"]
        assert hidden == link.rsplit("/", 1)[0] + "/" + MASK
        assert shown_context(template, {"link": link}, reveal_links=True)["link"] == link
        assert mask_tokens(f"x {link} y", reveal_links=True) == f"x {link} y"
        assert link.rsplit("/", 1)[1] not in mask_tokens(f"x {link} y")


def test_other_values_keep_their_text_but_lose_any_token() -> None:
    shown = shown_context("notify_order_placed", {"link": "/ordrar/5", "note": RESET}, True)
    assert shown["link"] == "/ordrar/5" and "eyJ1" not in shown["note"]
