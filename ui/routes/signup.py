"""Public sign-up pages (issue 14 items 2-3): ``/bli-aterforsaljare`` and ``/bli-kund``,
the e-mail confirmation ``/bekrafta-registrering/<token>`` and joining by invitation
``/inbjudan/<token>``. No login needed; forms carry CSRF; sign-ups are throttled per
address and per e-mail (``api.throttle.SignupThrottle``); links that cannot be used are
counted per address on buckets of their own, and a usable link is never throttled."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from api.auth import Role, csrf_token, hash_password, login_response, verify_csrf
from api.client_ip import client_ip
from api.deps import CurrentUser, SessionDep, SettingsDep, public_base
from api.passwords import MIN_PASSWORD_LENGTH, new_password_problem
from api.throttle import SignupThrottle
from catalog.enums import OrgKind
from catalog.models import Organisation, User
from loyalty import referrals
from marketplace import invitations, signup
from marketplace.dates import utc_now
from marketplace.models import Invitation
from marketplace.organisations import OrgDetails, OrgInvalid
from ui.error_pages import page_router
from ui.i18n import MESSAGES, pick_lang, translator
from ui.market_views import see_other
from ui.rendering import render
from ui.routes.account import HOME_BY_ROLE

router = page_router()

PATHS = {OrgKind.RETAILER: "/bli-aterforsaljare", OrgKind.CLINIC: "/bli-kund"}
FORM_FIELDS = ("name", "org_number", "vat_number", "street", "postal_code", "city")
MAX_FIELD = 300  # a form value longer than any field allows is cut before it is read


def field_message(lang: str, field: str, reason: str) -> str:
    """The sentence for a field's problem: ``org_field.<field>.<reason>``, else the reason's."""
    t = translator(lang)
    if field == "password" and f"password.{reason}" in MESSAGES:  # why it is refused
        return t(f"password.{reason}", n=MIN_PASSWORD_LENGTH)
    key = f"org_field.{field}.{reason}"
    if key in MESSAGES:
        return t(key, n=MIN_PASSWORD_LENGTH) if reason == "weak" else t(key)
    generic = f"org_field.{reason}"
    return t(generic) if generic in MESSAGES else t("org_field.format")


def password_problem(password: str, repeat: str, email: str, name: str = "") -> str | None:
    """``mismatch`` or why the site's password rules refuse it (api.passwords:
    ``too_short``, ``too_common``, ``contains_email``, ``contains_name`` …), or None."""
    if password != repeat:
        return "mismatch"
    return new_password_problem(password, email, name)


def _locked_text(lang: str, seconds: int) -> str:
    return translator(lang)("signup.locked", n=max(1, -(-seconds // 60)))


def unusable_link(request: Request, action: str) -> int | None:
    """Count a confirmation link or invitation that could not be used on ``action``'s own
    bucket per client address (never the sign-up's); the seconds to wait when the address
    has tried too many. A usable link is never counted nor refused."""
    throttle: SignupThrottle = request.app.state.signup_throttle
    return throttle.for_action(action).admit("", client_ip(request))


def _too_many(request: Request, user: User | None, lang: str, wait: int) -> HTMLResponse:
    response = render(
        request,
        "signup_confirm.html",
        {"message_key": None, "locked": _locked_text(lang, wait), "org": "", "form": False},
        user=user,
        status_code=429,
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _signup_page(
    request: Request,
    user: User | None,
    kind: OrgKind,
    settings_terms: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    alert: str | None = None,
    status_code: int = 200,
    ref: str = "",
) -> HTMLResponse:
    other = OrgKind.CLINIC if kind is OrgKind.RETAILER else OrgKind.RETAILER
    return render(
        request,
        "signup.html",
        {
            "kind": kind.value,
            "action": PATHS[kind],
            "other_path": PATHS[other],
            "values": values or {},
            "errors": errors or {},
            "alert": alert,
            "terms_version": settings_terms,
            "min_password": MIN_PASSWORD_LENGTH,
            # a referral link's code (loyalty recruiting): retailers only
            "ref": ref if kind is OrgKind.RETAILER else "",
        },
        user=user,
        status_code=status_code,
    )


def _show(kind: OrgKind) -> Callable[..., HTMLResponse]:
    def show(request: Request, user: CurrentUser, settings: SettingsDep) -> HTMLResponse:
        ref = request.query_params.get("ref", "")[: referrals.MAX_CODE]
        return _signup_page(request, user, kind, settings.terms_version, ref=ref)

    return show


def _submit(kind: OrgKind) -> Callable[..., Response]:
    def submit(
        request: Request,
        session: SessionDep,
        user: CurrentUser,
        settings: SettingsDep,
        name: Annotated[str, Form()] = "",
        org_number: Annotated[str, Form()] = "",
        vat_number: Annotated[str, Form()] = "",
        street: Annotated[str, Form()] = "",
        postal_code: Annotated[str, Form()] = "",
        city: Annotated[str, Form()] = "",
        person_name: Annotated[str, Form()] = "",
        email: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        repeat_password: Annotated[str, Form()] = "",
        terms: Annotated[str, Form()] = "",
        ref: Annotated[str, Form()] = "",
    ) -> Response:
        """Sign up: a pending organisation and an inactive account; a confirmation e-mail.
        The same answer whether or not the address has an account (no enumeration)."""
        lang = pick_lang(request)
        values = {
            k: v[:MAX_FIELD]
            for k, v in {
                "name": name,
                "org_number": org_number,
                "vat_number": vat_number,
                "street": street,
                "postal_code": postal_code,
                "city": city,
                "person_name": person_name,
                "email": email,
            }.items()
        }
        form = signup.SignupForm(
            kind=kind,
            details=OrgDetails(**{k: values[k] for k in FORM_FIELDS}),
            person_name=values["person_name"],
            email=values["email"],
            terms_accepted=terms == "yes",
        )
        problems = signup.check_form(form)
        if (
            p := password_problem(password, repeat_password, values["email"], values["person_name"])
        ) is not None:
            problems["password"] = p
        ref = ref.strip()[: referrals.MAX_CODE] if kind is OrgKind.RETAILER else ""
        if ref and not referrals.code_exists(session, ref):
            problems["ref"] = "unknown"
        t = translator(lang)

        def refuse(found: dict[str, str], status: int = 422, alert: str | None = None) -> Response:
            errors = {f: field_message(lang, f, r) for f, r in found.items()}
            return _signup_page(
                request,
                user,
                kind,
                settings.terms_version,
                values=values,
                errors=errors,
                alert=alert or t("signup.errors"),
                status_code=status,
                ref=ref,
            )

        if problems:
            return refuse(problems)
        throttle: SignupThrottle = request.app.state.signup_throttle
        if (wait := throttle.admit(values["email"], client_ip(request))) is not None:
            response = refuse({}, 429, _locked_text(lang, wait))
            response.headers["Retry-After"] = str(wait)
            return response
        try:
            result = signup.sign_up(
                session,
                form,
                password_hash=hash_password(password),
                secret=settings.secret_key,
                terms_version=settings.terms_version,
                lang=lang,
                link_base=public_base(request),
                confirm_hours=settings.signup_confirm_hours,
                # an admin is told plainly that the organisation is registered; anyone else
                # gets the answer of a new sign-up (its managers are told by e-mail)
                reveal=user is not None and user.role == Role.ADMIN.value,
            )
        except OrgInvalid as exc:
            return refuse(exc.fields)
        referrals.record_after_signup(session, ref, result.organisation_id, now=utc_now())
        return render(
            request,
            "signup_sent.html",
            {"email": values["email"].strip().lower()},
            user=user,
        )

    return submit


for _kind, _path in PATHS.items():
    router.add_api_route(
        _path,
        _show(_kind),
        methods=["GET"],
        response_class=HTMLResponse,
        name=f"ui_signup_{_kind.value}",
    )
    router.add_api_route(
        _path,
        _submit(_kind),
        methods=["POST"],
        response_class=HTMLResponse,
        dependencies=[Depends(verify_csrf)],
    )


# ---------------------------------------------------------------- e-mail confirmation


def _confirm_page(
    request: Request,
    user: User | None,
    key: str,
    org: str = "",
    *,
    form: bool = False,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "signup_confirm.html",
        {"message_key": key, "org": org, "form": form, "locked": None},
        user=user,
        status_code=status_code,
    )


@router.get("/bekrafta-registrering/{token}", response_class=HTMLResponse)
def confirm_page(request: Request, user: CurrentUser, token: str) -> HTMLResponse:
    """The confirmation asks for one click (a POST): a mail scanner that opens the link
    does not confirm the address on its owner's behalf."""
    csrf_token(request)  # a visitor gets the cookie the form needs
    return _confirm_page(request, user, "confirm.text", form=True)


@router.post(
    "/bekrafta-registrering/{token}",
    response_class=HTMLResponse,
    dependencies=[Depends(verify_csrf)],
)
def confirm_submit(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep, token: str
) -> HTMLResponse:
    """Confirm the address: the sign-up now waits for an admin (SignupSubmitted)."""
    try:
        org, first = signup.confirm(
            session,
            token,
            secret=settings.secret_key,
            max_age=timedelta(hours=settings.signup_confirm_hours),
        )
    except signup.SignupLinkInvalid as exc:
        if (wait := unusable_link(request, "confirm")) is not None:
            return _too_many(request, user, pick_lang(request), wait)
        expired = exc.code == "link_expired"
        key = "confirm.expired" if expired else "confirm.invalid"
        return _confirm_page(request, user, key, status_code=410 if expired else 404)
    return _confirm_page(request, user, "confirm.done" if first else "confirm.already", org.name)


# ---------------------------------------------------------------- invitations

INVITE_KEYS = {
    "invitation_unknown": ("invite.invalid", 404),
    "invitation_expired": ("invite.expired", 410),
    "invitation_used": ("invite.used", 410),
    "invitation_revoked": ("invite.revoked", 410),
    "invitation_account_exists": ("invite.account_exists", 409),
}


def _invite_refused(request: Request, user: User | None, code: str | None) -> HTMLResponse:
    key, status = INVITE_KEYS.get(code or "", ("invite.invalid", 404))
    return render(
        request,
        "invitation.html",
        {"refused": key, "invitation": None},
        user=user,
        status_code=status,
    )


def _invite_page(
    request: Request,
    user: User | None,
    invitation: Invitation,
    org: Organisation,
    *,
    name: str = "",
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "invitation.html",
        {
            "refused": None,
            "invitation": invitation,
            "org": org,
            "name": name,
            "errors": errors or {},
            "min_password": MIN_PASSWORD_LENGTH,
        },
        user=user,
        status_code=status_code,
    )


@router.get("/inbjudan/{token}", response_class=HTMLResponse)
def invitation_page(
    request: Request, session: SessionDep, user: CurrentUser, token: str
) -> HTMLResponse:
    """The invitee's form: name and password (the address is the invitation's)."""
    try:
        invitation = invitations.find_open(session, token)
    except invitations.InvitationInvalid as exc:
        return _invite_refused(request, user, exc.code)
    org = session.get(Organisation, invitation.organisation_id)
    assert org is not None
    return _invite_page(request, user, invitation, org)


@router.post("/inbjudan/{token}", dependencies=[Depends(verify_csrf)])
def invitation_accept(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    token: str,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    repeat_password: Annotated[str, Form()] = "",
) -> Response:
    """Join: a new account in the organisation, signed in at once."""
    lang = pick_lang(request)
    try:
        invitation = invitations.find_open(session, token)
    except invitations.InvitationInvalid as exc:
        if (
            not isinstance(exc, invitations.AccountExists)
            and (wait := unusable_link(request, "accept")) is not None
        ):
            return _too_many(request, user, lang, wait)
        return _invite_refused(request, user, exc.code)
    org = session.get(Organisation, invitation.organisation_id)
    assert org is not None
    name = name[:MAX_FIELD]
    problems: dict[str, str] = {}
    if not name.strip():
        problems["name"] = "required"
    if (p := password_problem(password, repeat_password, invitation.email, name)) is not None:
        problems["password"] = p
    if problems:
        errors = {f: field_message(lang, f, r) for f, r in problems.items()}
        return _invite_page(
            request, user, invitation, org, name=name, errors=errors, status_code=422
        )
    # a usable invitation is never throttled (sign-ups from this address or of this e-mail
    # do not keep the invitee out): the link is the proof, and each one joins once
    try:
        member = invitations.accept(
            session, token, name=name, password_hash=hash_password(password)
        )
    except invitations.InvitationInvalid as exc:
        return _invite_refused(request, user, exc.code)
    except OrgInvalid as exc:
        errors = {
            "name" if f == "person_name" else f: field_message(lang, f, r)
            for f, r in exc.fields.items()
        }
        return _invite_page(
            request, user, invitation, org, name=name, errors=errors, status_code=422
        )
    joined = see_other(HOME_BY_ROLE.get(member.role, "/"), "joined")
    login_response(joined, request, session, member)
    return joined
