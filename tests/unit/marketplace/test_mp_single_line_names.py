"""Names (an organisation's, a person's, a campaign's) are one line: a line break or another
control character is refused at input, so "\\r\\nBcc: x@y" can never add an e-mail header
or a CLI table row; what was stored before is made one line where it is shown."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from catalog.single_line import has_control, one_line
from marketplace import campaigns, invitations, signup
from marketplace.campaigns import CampaignDraft
from marketplace.errors import InvalidInput
from marketplace.mail.render import render_email
from marketplace.organisations import OrgDetails, OrgInvalid
from tests.unit.marketplace.mp_support import NOW, Market
from tests.unit.marketplace.test_mp_signup import _active_org, _invite, do_sign_up, form

INJECTION = "\r\nBcc: x@y"
DETAILS = dict(
    name="Depån AB",
    org_number="556677-8899",
    street="Storgatan 1",
    postal_code="111 22",
    city="Stockholm",
)


def test_one_line_and_has_control() -> None:
    assert has_control("A\r\nB") and has_control("A\tB") and has_control("A\u2028B")
    assert has_control("A\x1b[2JB") and not has_control("Tandvårdsdepån AB")
    assert one_line(f"Depån AB{INJECTION}") == "Depån AB Bcc: x@y"
    assert one_line("Plain") == "Plain"


@pytest.mark.parametrize("field", ["name", "street", "city"])
def test_an_organisation_field_with_a_line_break_is_refused(field: str) -> None:
    details = OrgDetails(**{**DETAILS, field: DETAILS[field] + INJECTION})
    problems = signup.check_form(form(details=details))
    assert problems == {field: "format"}


def test_a_person_name_with_a_line_break_is_refused(session: Session) -> None:
    assert signup.check_form(form(person_name="Eva" + INJECTION)) == {"person_name": "format"}
    with pytest.raises(OrgInvalid) as refused:
        do_sign_up(session, form(details=OrgDetails(**{**DETAILS, "name": "X" + INJECTION})))
    assert refused.value.fields == {"name": "format"}


def test_an_invitee_name_with_a_line_break_is_refused(market: Market) -> None:
    with market.factory() as session:
        org, rep = _active_org(market, session)
        _, token = _invite(session, org, rep, "kalle@depan.se")
        with pytest.raises(OrgInvalid) as refused:
            invitations.accept(session, token, name="Kalle" + INJECTION, password_hash="h", now=NOW)
        assert refused.value.fields == {"person_name": "format"}
        # the link still works with a proper name
        joined = invitations.accept(session, token, name="Kalle Ek", password_hash="h", now=NOW)
        assert joined.name == "Kalle Ek"


def test_a_campaign_title_with_a_line_break_is_refused(session: Session, market: Market) -> None:
    draft = CampaignDraft(
        title="Vårrea" + INJECTION,
        text="Halva priset.\nBara i mars.",  # the text may have lines
        product_ids=[market.products["glove"]],
        valid_from=NOW,
        valid_to=NOW + timedelta(days=30),
    )
    with pytest.raises(InvalidInput) as refused:
        campaigns.create_campaign(
            session, market.user(session, "tand_staff"), market.retailers["tand"], draft
        )
    assert refused.value.code == "campaign_title_format"


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_a_stored_name_with_a_line_break_stays_one_subject_line(lang: str) -> None:
    """A name stored before such names were refused: the subject is one line, the link in
    the body is intact."""
    rendered = render_email(
        "invitation",
        lang,
        {
            "organisation": "Depån AB" + INJECTION,
            "inviter": "Eva" + INJECTION,
            "role": "staff",
            "link": "https://valbar.example/inbjudan/t",
            "days": 7,
        },
    )
    assert not has_control(rendered.subject)
    assert "Depån AB Bcc: x@y" in rendered.subject
    assert "https://valbar.example/inbjudan/t" in rendered.body
