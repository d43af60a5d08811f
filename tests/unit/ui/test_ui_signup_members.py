"""Sign-up pages, e-mail confirmation, sign-in of members of organisations that are not
active, invitations and the members page: who may do what, and never across organisations.

Two retailer organisations (Nordisk: representative + staff; Smilo: representative) and two
clinic organisations (Folktand: manager + buyer; Leendet: manager) are seeded on the UI seed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from api.auth import hash_password
from api.throttle import SignupThrottle, ThrottlePolicy
from catalog.enums import OrgKind
from catalog.models import LoginThrottle, Organisation, User
from marketplace.models import OutgoingEmail
from marketplace.organisations import add_member, approve
from tests.unit.ui.ui_support import (
    EMAILS,
    PASSWORD,
    UiEnv,
    build_ui_env,
    csrf_from,
    release_organisations,
)

ROLES = ["r1_rep", "r1_staff", "r2_rep", "c1_manager", "c1_buyer", "c2_manager"]
NEW_EMAILS = {
    "r1_staff": "r1staff@valbar.test",
    "c1_buyer": "c1buyer@valbar.test",
    "c2_manager": "c2manager@valbar.test",
}
LOGIN = {
    "r1_rep": EMAILS["retailer"],
    "r2_rep": EMAILS["retailer2"],
    "c1_manager": EMAILS["clinic"],
    "merchandiser": EMAILS["merchandiser"],
    "admin": EMAILS["admin"],
    **NEW_EMAILS,
}


@dataclass
class OrgEnv:
    ui: UiEnv
    orgs: dict[str, int] = field(default_factory=dict)
    users: dict[str, int] = field(default_factory=dict)

    @property
    def factory(self) -> sessionmaker[Session]:
        factory: sessionmaker[Session] = self.ui.app.state.session_factory
        return factory


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OrgEnv]:
    ui = build_ui_env(tmp_path_factory.mktemp("ui_orgs"))
    built = OrgEnv(ui)
    hashed = hash_password(PASSWORD)
    with built.factory() as s:
        release_organisations(s)
        by_email = {u.email: u for u in s.scalars(select(User))}
        nordisk = by_email[EMAILS["retailer"]].retailer_id
        smilo = by_email[EMAILS["retailer2"]].retailer_id
        specs = [
            ("r1", OrgKind.RETAILER, "Nordisk Dentaldepå AB", "556677-8899", nordisk),
            ("r2", OrgKind.RETAILER, "Smilo Dentalhandel AB", "556123-4567", smilo),
            ("c1", OrgKind.CLINIC, "Folktandvården Demo", "559876-5435", None),
            ("c2", OrgKind.CLINIC, "Leendet Tandvård", "802456-7896", None),
        ]
        for key, kind, name, number, retailer_id in specs:
            org = Organisation(
                kind=kind.value,
                name=name,
                org_number=number,
                status="active",
                retailer_id=retailer_id,
            )
            s.add(org)
            s.flush()
            built.orgs[key] = org.id
        members = [
            ("r1_rep", "r1", "representative", "retailer"),
            ("r1_staff", "r1", "staff", "retailer"),
            ("r2_rep", "r2", "representative", "retailer"),
            ("c1_manager", "c1", "manager", "clinic"),
            ("c1_buyer", "c1", "buyer", "clinic"),
            ("c2_manager", "c2", "manager", "clinic"),
        ]
        for key, org_key, role, platform in members:
            user = by_email.get(LOGIN[key])
            if user is None:
                user = User(
                    email=LOGIN[key],
                    name=key.replace("_", " ").title(),
                    role=platform,
                    password_hash=hashed,
                )
                s.add(user)
                s.flush()
            org = s.get(Organisation, built.orgs[org_key])
            assert org is not None
            add_member(s, org, user, role, actor=None, channel="cli")
            built.users[key] = user.id
        s.commit()
    yield built
    ui.app.state.feed_runner.shutdown()
    ui.app.state.search.close()


def client_for(env: OrgEnv) -> TestClient:
    return TestClient(env.ui.app, raise_server_exceptions=True, follow_redirects=False)


def log_in(env: OrgEnv, who: str) -> TestClient:
    client = client_for(env)
    page = client.get("/logga-in")
    r = client.post(
        "/logga-in",
        data={"email": LOGIN[who], "password": PASSWORD, "csrf_token": csrf_from(page.text)},
    )
    assert r.status_code == 303, (who, r.status_code, r.text[:500])
    return client


def post_form(client: TestClient, page_url: str, url: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    page = client.get(page_url)
    return client.post(url, data={**data, "csrf_token": csrf_from(page.text)})


def last_mail(env: OrgEnv, to: str) -> OutgoingEmail:
    with env.factory() as s:
        mail = s.scalars(
            select(OutgoingEmail)
            .where(OutgoingEmail.to_address == to)
            .order_by(OutgoingEmail.id.desc())
        ).first()
        assert mail is not None, f"no mail to {to}"
        s.expunge(mail)
        return mail


SIGNUP = {
    "name": "Tandlagret AB",
    "org_number": "556000-1116",
    "vat_number": "SE556000111601",
    "street": "Hamngatan 2",
    "postal_code": "41101",
    "city": "Göteborg",
    "person_name": "Vera Lund",
    "email": "vera@tandlagret.se",
    "password": "Blåbär i Bohuslän 77",
    "repeat_password": "Blåbär i Bohuslän 77",
    "terms": "yes",
}


# ---------------------------------------------------------------- public pages


@pytest.mark.parametrize("url", ["/bli-aterforsaljare", "/bli-kund"])
def test_the_sign_up_pages_are_public_labelled_and_in_both_languages(env: OrgEnv, url: str) -> None:
    client = client_for(env)
    page = client.get(url)
    assert page.status_code == 200
    assert 'for="f-org_number"' in page.text and 'name="csrf_token"' in page.text
    assert 'type="checkbox" name="terms"' in page.text
    english = client.get(f"{url}?lang=en")
    assert "Become a" in english.text and "Organisation number" in english.text
    assert "Ny på Valbar?" in client_for(env).get("/logga-in").text


def test_a_retailer_signs_up_confirms_waits_for_approval_then_signs_in(env: OrgEnv) -> None:
    client = client_for(env)
    r = post_form(client, "/bli-aterforsaljare", "/bli-aterforsaljare", SIGNUP)
    assert r.status_code == 200 and "Kontrollera din e-post" in r.text
    mail = last_mail(env, "vera@tandlagret.se")
    assert mail.template == "signup_confirm" and mail.lang == "sv"
    link = str(mail.context["link"])
    path = link[link.index("/bekrafta-registrering/") :]
    with env.factory() as s:
        org = s.scalar(select(Organisation).where(Organisation.org_number == "556000-1116"))
        assert org is not None and org.status == "pending" and org.terms_version == "2026-12"
        assert org.retailer_id is None and org.vat_number == "SE556000111601"  # not public
        org_id = org.id
    login = client.get("/logga-in")
    data = {
        "email": "vera@tandlagret.se",
        "password": SIGNUP["password"],
        "csrf_token": csrf_from(login.text),
    }
    early = client.post("/logga-in", data=data)
    assert early.status_code == 403 and "Bekräfta först din e-postadress" in early.text
    wrong = client.post("/logga-in", data={**data, "password": "fel lösenord här"})
    assert wrong.status_code == 401 and "Bekräfta" not in wrong.text  # nothing told
    page = client.get(path)
    assert page.status_code == 200 and "Bekräfta" in page.text  # a GET confirms nothing
    with env.factory() as s:
        pending = s.get(Organisation, org_id)
        assert pending is not None and pending.submitted_at is None
    done = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert done.status_code == 200 and "Adressen är bekräftad" in done.text
    again = client.post(path, data={"csrf_token": csrf_from(page.text)})
    assert "redan bekräftad" in again.text
    forged = client.post(path + "x", data={"csrf_token": csrf_from(page.text)})
    assert forged.status_code == 404 and "Länken fungerar inte" in forged.text
    waiting = client.post("/logga-in", data=data)
    assert waiting.status_code == 403 and "väntar på godkännande" in waiting.text
    with env.factory() as s:
        org = s.get(Organisation, org_id)
        assert org is not None
        approve(s, org, None, channel="cli")
        s.commit()
    signed_in = client.post("/logga-in", data=data)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/portal"
    assert client.get("/portal").status_code == 200  # the approval gave it its retailer


def test_bad_fields_are_named_and_kept(env: OrgEnv) -> None:
    client = client_for(env)
    bad = {
        **SIGNUP,
        "org_number": "556000-1117",
        "postal_code": "4110",
        "terms": "",
        "repeat_password": "something else",
        "email": "bad@tandlagret.se",
    }
    r = post_form(client, "/bli-kund", "/bli-kund", bad)
    assert r.status_code == 422
    assert "Kontrollsiffran stämmer inte" in r.text
    assert "Ett postnummer har fem siffror" in r.text
    assert "Villkoren behöver godkännas" in r.text
    assert "Lösenorden är olika" in r.text
    assert 'value="Hamngatan 2"' in r.text and 'aria-invalid="true"' in r.text
    weak = post_form(
        client,
        "/bli-kund",
        "/bli-kund",
        {
            **SIGNUP,
            "password": "password123",
            "repeat_password": "password123",
            "email": "weak@tandlagret.se",
        },
    )
    assert weak.status_code == 422 and "Lösenordet är för vanligt" in weak.text
    with env.factory() as s:
        assert (
            s.scalar(
                select(User.id).where(
                    User.email.like("%@tandlagret.se"), User.email != "vera@tandlagret.se"
                )
            )
            is None
        )


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_mail(env: OrgEnv) -> None:
    client = client_for(env)
    data = {
        **SIGNUP,
        "email": EMAILS["clinic"],
        "org_number": "969765-4326",
        "name": "Ny AB",
        "vat_number": "",
    }
    r = post_form(client, "/bli-kund", "/bli-kund", data)
    assert r.status_code == 200 and "Kontrollera din e-post" in r.text
    assert last_mail(env, EMAILS["clinic"]).template == "signup_exists"
    with env.factory() as s:
        assert (
            s.scalar(select(Organisation.id).where(Organisation.org_number == "969765-4326"))
            is None
        )


def test_a_registered_organisation_gets_the_same_answer_and_its_manager_a_mail(
    env: OrgEnv,
) -> None:
    """An anonymous sign-up of a registered org number: the answer of a new sign-up; the
    address given and the organisation's manager are told by e-mail. A signed-in admin is
    told plainly."""
    data = {
        **SIGNUP,
        "email": "nyfiken@example.se",
        "org_number": "559876-5435",  # Folktandvården Demo's
        "vat_number": "",
    }
    r = post_form(client_for(env), "/bli-kund", "/bli-kund", data)
    assert r.status_code == 200 and "Kontrollera din e-post" in r.text
    told = last_mail(env, "nyfiken@example.se")
    assert told.template == "signup_org_taken"
    assert told.context["organisation"] == "Folktandvården Demo"
    notified = last_mail(env, EMAILS["clinic"])  # c1_manager's
    assert notified.template == "signup_org_attempt"
    assert notified.context["email"] == "nyfiken@example.se"
    with env.factory() as s:
        assert s.scalar(select(User.id).where(User.email == "nyfiken@example.se")) is None
    admin = log_in(env, "admin")
    plain = post_form(admin, "/bli-kund", "/bli-kund", {**data, "email": "admin2@example.se"})
    assert plain.status_code == 422 and 'aria-invalid="true"' in plain.text


def test_sign_ups_are_throttled(env: OrgEnv) -> None:
    app = env.ui.app
    saved = app.state.signup_throttle
    with env.factory() as s:  # the earlier tests' sign-ups counted on the same address
        s.execute(delete(LoginThrottle).where(LoginThrottle.key.like("signup:%")))
        s.commit()
    app.state.signup_throttle = SignupThrottle(
        env.factory, ThrottlePolicy(max_failures=5, ip_max_failures=1)
    )
    try:
        client = client_for(env)
        data = {
            **SIGNUP,
            "email": "t1@tandlagret.se",
            "org_number": "969765-4326",
            "vat_number": "",
        }
        first = post_form(client, "/bli-kund", "/bli-kund", data)
        assert first.status_code == 200
        second = post_form(client, "/bli-kund", "/bli-kund", {**data, "email": "t2@x.se"})
        assert second.status_code == 429 and "Retry-After" in second.headers
        assert "För många registreringar" in second.text
    finally:
        app.state.signup_throttle = saved
        with env.factory() as s:
            s.execute(delete(LoginThrottle).where(LoginThrottle.key.like("signup:%")))
            s.commit()


def _join_form(client: TestClient, path: str, name: str = "Vera Ek") -> dict[str, str]:
    page = client.get(path if "nonsense" not in path else "/bli-kund")
    return {
        "name": name,
        "password": "Fjällräv i snö 2026",
        "repeat_password": "Fjällräv i snö 2026",
        "csrf_token": csrf_from(page.text),
    }


def test_sign_up_attempts_never_lock_out_an_invitee_or_a_confirmation(env: OrgEnv) -> None:
    """Separate buckets per action: with this address's sign-ups locked, a sign-up's
    confirmation link and an invitation still work; unusable links are counted on their
    own bucket, and its lock does not stop a usable invitation either."""
    app = env.ui.app
    saved = app.state.signup_throttle

    def clear() -> None:
        with env.factory() as s:
            for prefix in ("signup:%", "confirm:%", "accept:%"):
                s.execute(delete(LoginThrottle).where(LoginThrottle.key.like(prefix)))
            s.commit()

    clear()
    app.state.signup_throttle = SignupThrottle(
        env.factory, ThrottlePolicy(max_failures=1, ip_max_failures=1)
    )
    try:
        client = client_for(env)
        data = {**SIGNUP, "email": "b1@buckets.se", "org_number": "556012-3407", "vat_number": ""}
        assert post_form(client, "/bli-kund", "/bli-kund", data).status_code == 200
        locked = post_form(client, "/bli-kund", "/bli-kund", {**data, "email": "b2@buckets.se"})
        assert locked.status_code == 429  # sign-ups from this address are locked now
        # ... yet the invitee of the same e-mail-less address joins
        manager = log_in(env, "c1_manager")
        page = "/organisation/medlemmar"
        invited = post_form(
            manager, page, f"{page}/bjud-in", {"email": "vera@folktand.se", "org_role": "buyer"}
        )
        assert invited.status_code == 303
        link = str(last_mail(env, "vera@folktand.se").context["link"])
        path = link[link.index("/inbjudan/") :]
        # unusable invitation links: counted on the "accept" bucket, locked after one
        stranger = client_for(env)
        bad = {**_join_form(stranger, "/inbjudan/nonsense")}
        assert stranger.post("/inbjudan/nonsense", data=bad).status_code == 404
        assert stranger.post("/inbjudan/nonsense", data=bad).status_code == 429
        invitee = client_for(env)
        joined = invitee.post(path, data=_join_form(invitee, path))
        assert joined.status_code == 303 and "notice=joined" in joined.headers["location"]
        # ... and the first sign-up's confirmation link confirms
        confirm = str(last_mail(env, "b1@buckets.se").context["link"])
        confirm_path = confirm[confirm.index("/bekrafta-registrering/") :]
        done = post_form(client, confirm_path, confirm_path, {})
        assert done.status_code == 200, done.text[:300]
        with env.factory() as s:
            b1 = s.scalar(select(User).where(User.email == "b1@buckets.se"))
            assert b1 is not None and b1.active
        # a forged confirmation link: its own bucket ("confirm"), locked after one
        forged = "/bekrafta-registrering/forged"
        assert post_form(client, forged, forged, {}).status_code == 404
        refused = post_form(client, forged, forged, {})
        assert refused.status_code == 429 and "Retry-After" in refused.headers
    finally:
        app.state.signup_throttle = saved
        clear()


# ---------------------------------------------------------------- members page


@pytest.mark.parametrize(
    "who,status",
    [(None, 303), ("merchandiser", 403), ("admin", 403)] + [(r, 200) for r in ROLES],
)
def test_who_sees_the_members_page(env: OrgEnv, who: str | None, status: int) -> None:
    client = client_for(env) if who is None else log_in(env, who)
    page = client.get("/organisation/medlemmar")
    assert page.status_code == status
    if status != 200:
        return
    manages = who in ("r1_rep", "r2_rep", "c1_manager", "c2_manager")
    assert ("/organisation/medlemmar/bjud-in" in page.text) == manages
    own = {
        "r1": ["r1_rep", "r1_staff"],
        "r2": ["r2_rep"],
        "c1": ["c1_manager", "c1_buyer"],
        "c2": ["c2_manager"],
    }[who.split("_")[0]]
    for other in ROLES:
        assert (LOGIN[other] in page.text) == (other in own), (who, other)


@pytest.mark.parametrize("who", ["r1_staff", "c1_buyer"])
def test_staff_and_buyers_cannot_manage(env: OrgEnv, who: str) -> None:
    client = log_in(env, who)
    target = env.users["r1_rep" if who == "r1_staff" else "c1_manager"]
    page = "/organisation/medlemmar"
    for url, data in [
        (f"{page}/bjud-in", {"email": "x@valbar.test", "org_role": "staff"}),
        (f"{page}/{target}/roll", {"org_role": "staff"}),
        (f"{page}/{target}/ta-bort", {}),
    ]:
        assert post_form(client, page, url, data).status_code == 403, url


def test_no_cross_organisation_changes(env: OrgEnv) -> None:
    client = log_in(env, "r2_rep")  # Smilo's representative
    page = "/organisation/medlemmar"
    victim = env.users["r1_staff"]  # Nordisk's staff member
    assert post_form(client, page, f"{page}/{victim}/ta-bort", {}).status_code == 404
    assert (
        post_form(client, page, f"{page}/{victim}/roll", {"org_role": "representative"}).status_code
        == 404
    )
    clinic = log_in(env, "c2_manager")
    buyer = env.users["c1_buyer"]
    assert post_form(clinic, page, f"{page}/{buyer}/ta-bort", {}).status_code == 404
    with env.factory() as s:
        staff = s.get(User, victim)
        assert staff is not None and staff.active and staff.org_role == "staff"
        assert s.get(User, buyer).active  # type: ignore[union-attr]
    # an invitation of Nordisk cannot be withdrawn by Smilo
    r1 = log_in(env, "r1_rep")
    post_form(r1, page, f"{page}/bjud-in", {"email": "cross@valbar.test", "org_role": "staff"})
    with env.factory() as s:
        from marketplace.models import Invitation

        inv = s.scalar(select(Invitation).where(Invitation.email == "cross@valbar.test"))
        assert inv is not None
        inv_id = inv.id
    url = f"/organisation/inbjudningar/{inv_id}/aterkalla"
    assert post_form(client, page, url, {}).status_code == 404
    assert "cross@valbar.test" in r1.get(page).text
    assert post_form(r1, page, url, {}).status_code == 303
    assert "cross@valbar.test" not in r1.get(page).text


def test_a_manager_invites_and_the_colleague_joins_once(env: OrgEnv) -> None:
    manager = log_in(env, "c2_manager")
    page = "/organisation/medlemmar"
    r = post_form(
        manager, page, f"{page}/bjud-in", {"email": "Nils@Leendet.se", "org_role": "buyer"}
    )
    assert r.status_code == 303 and r.headers["location"].endswith("notice=invited")
    assert "nils@leendet.se" in manager.get(page).text
    mail = last_mail(env, "nils@leendet.se")
    assert mail.template == "invitation"
    link = str(mail.context["link"])
    path = link[link.index("/inbjudan/") :]
    invitee = client_for(env)
    form = invitee.get(path)
    assert form.status_code == 200 and "Leendet Tandvård" in form.text
    weak = invitee.post(
        path,
        data={
            "name": "Nils",
            "password": "12345678901",
            "repeat_password": "12345678901",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert weak.status_code == 422
    joined = invitee.post(
        path,
        data={
            "name": "Nils Berg",
            "password": "Fjällräv i snö 2026",
            "repeat_password": "Fjällräv i snö 2026",
            "csrf_token": csrf_from(form.text),
        },
    )
    assert joined.status_code == 303 and "notice=joined" in joined.headers["location"]
    assert "Nils Berg" in invitee.get("/organisation/medlemmar").text  # signed in
    with env.factory() as s:
        nils = s.scalar(select(User).where(User.email == "nils@leendet.se"))
        assert nils is not None and nils.org_role == "buyer" and nils.clinic == "Leendet Tandvård"
    used = client_for(env).get(path)
    assert used.status_code == 410 and "redan använd" in used.text
    assert client_for(env).get("/inbjudan/nonsense").status_code == 404
    # a member of another organisation, and an active account of no organisation
    # (platform staff here), get the same answer as anyone: nothing tells the inviter
    # that the address has an account; only their e-mail says they cannot join
    for address in (EMAILS["clinic"], EMAILS["admin"]):
        taken = post_form(manager, page, f"{page}/bjud-in", {"email": address, "org_role": "buyer"})
        assert taken.status_code == 303 and taken.headers["location"].endswith("notice=invited")
        assert address.lower() in manager.get(page).text  # listed as open
        told = last_mail(env, address.lower())
        assert (told.template, told.context["link"]) == ("invitation_taken", "")
    # a link whose address got an account that cannot join meanwhile is refused clearly
    r = post_form(
        manager, page, f"{page}/bjud-in", {"email": "olle@leendet.se", "org_role": "buyer"}
    )
    olle_link = str(last_mail(env, "olle@leendet.se").context["link"])
    with env.factory() as s:
        other = s.scalar(select(User).where(User.email == EMAILS["clinic"]))
        assert other is not None
        s.add(
            User(
                email="olle@leendet.se",
                name="Olle",
                password_hash="x",
                role="clinic",
                active=True,
                organisation_id=other.organisation_id,
            )
        )
        s.commit()
    refused = client_for(env).get(olle_link[olle_link.index("/inbjudan/") :])
    assert refused.status_code == 409 and "det finns redan ett konto" in refused.text
    wrong_role = post_form(
        manager, page, f"{page}/bjud-in", {"email": "z@leendet.se", "org_role": "staff"}
    )
    assert wrong_role.status_code == 422 and "Välj en av rollerna" in wrong_role.text


def test_removing_a_member_ends_their_session_and_the_last_manager_stays(env: OrgEnv) -> None:
    manager = log_in(env, "c1_manager")
    buyer = log_in(env, "c1_buyer")
    page = "/organisation/medlemmar"
    assert buyer.get(page).status_code == 200
    lone = post_form(manager, page, f"{page}/{env.users['c1_manager']}/roll", {"org_role": "buyer"})
    assert lone.status_code == 422 and "minst en" in lone.text
    r = post_form(manager, page, f"{page}/{env.users['c1_buyer']}/ta-bort", {})
    assert r.status_code == 303 and "member_removed" in r.headers["location"]
    assert buyer.get(page).status_code == 303  # signed out: to the login page
    with env.factory() as s:
        gone = s.get(User, env.users["c1_buyer"])
        assert gone is not None and not gone.active and gone.organisation_id is None


def test_a_suspended_organisations_members_are_signed_out_and_told(env: OrgEnv) -> None:
    rep = log_in(env, "r2_rep")
    assert rep.get("/organisation/medlemmar").status_code == 200
    with env.factory() as s:
        org = s.get(Organisation, env.orgs["r2"])
        assert org is not None
        org.status = "suspended"
        s.commit()
    try:
        assert rep.get("/organisation/medlemmar").status_code == 303
        client = client_for(env)
        login = client.get("/logga-in")
        r = client.post(
            "/logga-in",
            data={
                "email": LOGIN["r2_rep"],
                "password": PASSWORD,
                "csrf_token": csrf_from(login.text),
            },
        )
        assert r.status_code == 403 and "avstängt" in r.text
    finally:
        with env.factory() as s:
            org = s.get(Organisation, env.orgs["r2"])
            assert org is not None
            org.status = "active"
            s.commit()


def test_the_members_link_is_in_the_navigation_of_members_only(env: OrgEnv) -> None:
    assert 'href="/organisation/medlemmar"' in log_in(env, "r1_staff").get("/").text
    assert 'href="/organisation/medlemmar"' not in log_in(env, "admin").get("/").text


@pytest.mark.parametrize(
    "path,data",
    [
        ("/organisation/medlemmar/bjud-in", {"email": "p@valbar.test", "org_role": "staff"}),
        ("/organisation/medlemmar/{uid}/roll", {"org_role": "staff"}),
        ("/organisation/medlemmar/{uid}/ta-bort", {}),
        ("/organisation/inbjudningar/1/aterkalla", {}),
    ],
)
@pytest.mark.parametrize("who", [None, "merchandiser", "admin"])
def test_member_actions_need_a_member_of_the_organisation(
    env: OrgEnv, who: str | None, path: str, data: dict[str, str]
) -> None:
    """Anonymous visitors are sent to log in; platform staff belong to no organisation."""
    client = client_for(env) if who is None else log_in(env, who)
    url = path.format(uid=env.users["r1_staff"])
    r = post_form(client, "/logga-in" if who is None else "/", url, data)
    if who is None:
        assert r.status_code == 303 and r.headers["location"].startswith("/logga-in")
    else:
        assert r.status_code == 403
    with env.factory() as s:
        staff = s.get(User, env.users["r1_staff"])
        assert staff is not None and staff.active and staff.org_role == "staff"


def test_links_in_mail_name_the_site_not_the_requests_host(env: OrgEnv) -> None:
    """A sign-up sent with a forged Host header still mails a link to the site itself
    (``site_url``): the Host of a request is the sender's to choose."""
    client = client_for(env)
    page = client.get("/bli-kund", headers={"Host": "evil.example"})
    data = {
        **SIGNUP,
        "org_number": "556036-0793",
        "vat_number": "",
        "email": "host@forged.se",
        "csrf_token": csrf_from(page.text),
    }
    client.post("/bli-kund", data=data, headers={"Host": "evil.example"})
    mail = last_mail(env, "host@forged.se")
    link = str(mail.context["link"])
    assert link.startswith(env.ui.settings.site_url.rstrip("/") + "/"), link
    assert "evil.example" not in link


def test_the_last_manager_cannot_delete_their_account(env: OrgEnv) -> None:
    """ "Radera kontot" refuses the organisation's only manager with a sentence saying what
    to do; the account stays and its session goes on."""
    client = log_in(env, "c2_manager")
    r = post_form(
        client,
        "/mina-uppgifter",
        "/mina-uppgifter/radera",
        {"confirm": "1", "email": LOGIN["c2_manager"]},
    )
    assert r.status_code == 422
    assert "enda företrädare eller ansvariga" in r.text
    with env.factory() as s:
        assert s.get(User, env.users["c2_manager"]) is not None
    assert client.get("/mina-uppgifter").status_code == 200
