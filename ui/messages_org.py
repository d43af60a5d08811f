"""UI text of sign-up, e-mail confirmation, invitations and an organisation's members
(key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

ORG_FIELDS = (
    "name",
    "org_number",
    "vat_number",
    "street",
    "postal_code",
    "city",
    "person_name",
    "email",
    "password",
    "terms",
    "org_role",
    "reason",
    "slug",
)

ORG_MESSAGES: dict[str, tuple[str, str]] = {
    # sign-up
    "signup.retailer.title": ("Bli återförsäljare", "Become a retailer"),
    "signup.clinic.title": ("Bli kund", "Become a customer"),
    "signup.retailer.intro": (
        "Lista ert sortiment på Valbar utan kostnad och utan gräns för antalet artiklar. "
        "Fyll i uppgifterna om företaget och om dig som företräder det. Vi granskar "
        "registreringen innan ni kan logga in.",
        "List your range on Valbar free of charge, with no limit on the number of articles. "
        "Fill in the company's details and your own as its representative. We review the "
        "sign-up before you can sign in.",
    ),
    "signup.clinic.intro": (
        "Jämför och beställ förbrukningsmaterial från många återförsäljare. Fyll i "
        "uppgifterna om kliniken och om dig som ansvarig. Vi granskar registreringen innan "
        "ni kan logga in.",
        "Compare and order supplies from many retailers. Fill in the clinic's details and "
        "your own as its manager. We review the sign-up before you can sign in.",
    ),
    "signup.organisation": ("Företaget", "The company"),
    "signup.clinic_organisation": ("Kliniken", "The clinic"),
    "signup.person.retailer": ("Du som företräder företaget", "You, the company's representative"),
    "signup.person.clinic": ("Du som är ansvarig för kliniken", "You, the clinic's manager"),
    "signup.field.name": ("Namn (som registrerat)", "Name (as registered)"),
    "signup.field.org_number": ("Organisationsnummer", "Organisation number"),
    "signup.field.org_number_hint": ("T.ex. 556677-8899", "E.g. 556677-8899"),
    "signup.field.vat_number": ("Momsregistreringsnummer (valfritt)", "VAT number (optional)"),
    "signup.field.vat_number_hint": ("T.ex. SE556677889901", "E.g. SE556677889901"),
    "signup.field.street": ("Gatuadress", "Street address"),
    "signup.field.postal_code": ("Postnummer", "Postal code"),
    "signup.field.city": ("Ort", "City"),
    "signup.field.person_name": ("Ditt namn", "Your name"),
    "signup.field.email": ("Din e-postadress", "Your e-mail address"),
    "signup.field.password": ("Välj ett lösenord", "Choose a password"),
    "signup.field.password_hint": (
        "Minst {n} tecken och inte lätt att gissa.",
        "At least {n} characters and not easily guessed.",
    ),
    "signup.field.repeat_password": ("Upprepa lösenordet", "Repeat the password"),
    "signup.field.terms": (
        "Jag godkänner Valbars villkor (version {version}) för {org}",
        "I accept Valbar's terms (version {version}) on behalf of {org}",
    ),
    "signup.terms_org.retailer": ("företaget", "the company"),
    "signup.terms_org.clinic": ("kliniken", "the clinic"),
    "signup.submit": ("Registrera", "Sign up"),
    "signup.errors": (
        "Registreringen sparades inte. Rätta det som är markerat nedan.",
        "The sign-up was not saved. Correct what is marked below.",
    ),
    "signup.sent.title": ("Kontrollera din e-post", "Check your e-mail"),
    "signup.sent.text": (
        "Vi har skickat ett meddelande till {email}. Öppna länken i det för att bekräfta "
        "adressen. Därefter granskar vi registreringen och hör av oss.",
        "We have sent a message to {email}. Open its link to confirm the address. We then "
        "review the sign-up and get back to you.",
    ),
    "signup.locked": (
        "För många registreringar på kort tid. Försök igen om {n} minuter.",
        "Too many sign-ups in a short time. Try again in {n} minutes.",
    ),
    "signup.other_kind.retailer": (
        "Är ni en klinik? Registrera er som kund i stället.",
        "Are you a clinic? Sign up as a customer instead.",
    ),
    "signup.other_kind.clinic": (
        "Säljer ni dentalprodukter? Registrera er som återförsäljare.",
        "Do you sell dental products? Sign up as a retailer.",
    ),
    "signup.login_cta": ("Ny på Valbar?", "New to Valbar?"),
    # e-mail confirmation
    "confirm.title": ("Bekräfta e-postadressen", "Confirm the e-mail address"),
    "confirm.text": (
        "Bekräfta adressen för registreringen av {org}.",
        "Confirm the address of the sign-up of {org}.",
    ),
    "confirm.submit": ("Bekräfta", "Confirm"),
    "confirm.done": (
        "Tack! Adressen är bekräftad. Vi granskar registreringen av {org} och skickar ett "
        "e-postmeddelande när den är godkänd.",
        "Thank you! The address is confirmed. We review the sign-up of {org} and send an "
        "e-mail when it is approved.",
    ),
    "confirm.already": (
        "Adressen är redan bekräftad. Registreringen av {org} väntar på granskning.",
        "The address is confirmed already. The sign-up of {org} is waiting for review.",
    ),
    "confirm.invalid": (
        "Länken fungerar inte. Kontrollera att hela länken kom med.",
        "The link does not work. Check that the whole link was copied.",
    ),
    "confirm.expired": (
        "Länken har gått ut. Registrera er igen.",
        "The link has expired. Sign up again.",
    ),
    # sign-in refusals of members of an organisation that is not active
    "login.org_unconfirmed": (
        "Bekräfta först din e-postadress med länken vi skickade vid registreringen.",
        "First confirm your e-mail address with the link we sent at sign-up.",
    ),
    "login.org_pending": (
        "Registreringen väntar på godkännande. Du kan logga in när den är godkänd.",
        "The sign-up is waiting for approval. You can sign in once it is approved.",
    ),
    "login.org_suspended": (
        "Organisationens konto är avstängt. Kontakta Valbar.",
        "The organisation's account is suspended. Contact Valbar.",
    ),
    "login.org_refused": (
        "Registreringen godkändes inte. Kontakta Valbar om du har frågor.",
        "The sign-up was not approved. Contact Valbar if you have questions.",
    ),
    # invitation acceptance
    "invite.title": ("Gå med i {org}", "Join {org}"),
    "invite.text": (
        "Du är inbjuden som {role} i {org} med adressen {email}. Ange ditt namn och välj ett "
        "lösenord.",
        "You are invited as {role} of {org} with the address {email}. Give your name and "
        "choose a password.",
    ),
    "invite.submit": ("Gå med", "Join"),
    "invite.invalid": (
        "Inbjudan fungerar inte: länken är okänd.",
        "The invitation does not work: the link is unknown.",
    ),
    "invite.expired": (
        "Inbjudan har gått ut. Be om en ny.",
        "The invitation has expired. Ask for a new one.",
    ),
    "invite.used": ("Inbjudan är redan använd. Logga in.", "The invitation was used. Sign in."),
    "invite.revoked": ("Inbjudan har återkallats.", "The invitation was withdrawn."),
    "invite.account_exists": (
        "Inbjudan kan inte användas: det finns redan ett konto med adressen, och en person "
        "hör till en organisation. Logga in med det kontot, eller be om en inbjudan till en "
        "annan adress.",
        "The invitation cannot be used: an account with the address exists, and a person "
        "belongs to one organisation. Sign in with that account, or ask to be invited with "
        "another address.",
    ),
    # members page
    "nav.members": ("Medlemmar", "Members"),
    "members.title": ("Medlemmar i {org}", "Members of {org}"),
    "members.read_only": (
        "Företrädaren eller den ansvariga bjuder in, ändrar roller och tar bort medlemmar.",
        "The representative or manager invites, changes roles and removes members.",
    ),
    "members.name": ("Namn", "Name"),
    "members.email": ("E-post", "E-mail"),
    "members.role": ("Roll", "Role"),
    "members.change_role": ("Ändra roll", "Change role"),
    "members.role_for": ("Roll för {name}", "Role of {name}"),
    "members.remove": ("Ta bort", "Remove"),
    "members.remove_named": ("Ta bort {name}", "Remove {name}"),
    "members.you": ("(du)", "(you)"),
    "members.invitations": ("Väntande inbjudningar", "Pending invitations"),
    "members.no_invitations": ("Inga väntande inbjudningar.", "No pending invitations."),
    "members.expires": ("Går ut", "Expires"),
    "members.expired": ("gått ut", "expired"),
    "members.revoke": ("Återkalla", "Withdraw"),
    "members.revoke_named": (
        "Återkalla inbjudan till {email}",
        "Withdraw the invitation to {email}",
    ),
    "members.invite": ("Bjud in en kollega", "Invite a colleague"),
    "members.invite_email": ("E-postadress", "E-mail address"),
    "members.invite_role": ("Roll", "Role"),
    "members.invite_submit": ("Skicka inbjudan", "Send invitation"),
    "members.invite_days": (
        "Länken gäller i {n} dagar och fungerar en gång.",
        "The link works for {n} days, and once.",
    ),
    "members.no_org": (
        "Ditt konto hör inte till någon organisation.",
        "Your account belongs to no organisation.",
    ),
    "org_role.representative": ("företrädare", "representative"),
    "org_role.staff": ("personal", "staff"),
    "org_role.manager": ("ansvarig", "manager"),
    "org_role.buyer": ("inköpare", "buyer"),
    "notice.invited": ("Inbjudan är skickad.", "The invitation was sent."),
    "notice.role_changed": ("Rollen är ändrad.", "The role was changed."),
    "notice.member_removed": (
        "Medlemmen är borttagen; dess inloggningar och API-nycklar har upphört.",
        "The member was removed; their sessions and API keys have ended.",
    ),
    "notice.invitation_revoked": ("Inbjudan är återkallad.", "The invitation was withdrawn."),
    "notice.joined": ("Välkommen! Du är nu medlem.", "Welcome! You are a member now."),
    # field problems (org_field.<field>.<reason>; a missing pair falls back to the reason)
    "org_field.required": ("Fyll i fältet.", "Fill in the field."),
    "org_field.too_long": ("För långt.", "Too long."),
    "org_field.format": ("Inte i rätt form.", "Not in the right form."),
    "org_field.org_number.format": (
        "Ett organisationsnummer har tio siffror: NNNNNN-NNNN.",
        "An organisation number has ten digits: NNNNNN-NNNN.",
    ),
    "org_field.org_number.check_digit": (
        "Kontrollsiffran stämmer inte: kontrollera numret.",
        "The check digit does not match: check the number.",
    ),
    "org_field.org_number.taken": (
        "Organisationen är redan registrerad på Valbar.",
        "The organisation is registered at Valbar already.",
    ),
    "org_field.vat_number.vat_format": (
        "Ett svenskt momsnummer är SE, organisationsnumrets tio siffror och 01.",
        "A Swedish VAT number is SE, the organisation number's ten digits and 01.",
    ),
    "org_field.vat_number.vat_mismatch": (
        "Momsnumret hör till ett annat organisationsnummer.",
        "The VAT number belongs to another organisation number.",
    ),
    "org_field.postal_code.format": (
        "Ett postnummer har fem siffror: 123 45.",
        "A postal code has five digits: 123 45.",
    ),
    "org_field.email.format": ("Ange en e-postadress.", "Give an e-mail address."),
    "org_field.password.mismatch": ("Lösenorden är olika.", "The passwords differ."),
    "password.too_short": (
        "Lösenordet är för kort: minst {n} tecken.",
        "The password is too short: at least {n} characters.",
    ),
    "password.too_long": ("Lösenordet är för långt.", "The password is too long."),
    "password.too_common": (
        "Lösenordet är för vanligt: bara siffror, samma få tecken om och om igen eller ett "
        "vanligt ord med siffror gissas först.",
        "The password is too common: digits only, the same few characters over and over or "
        "a common word with digits are guessed first.",
    ),
    "password.contains_email": (
        "Lösenordet innehåller e-postadressens namn (delen före @).",
        "The password contains the e-mail address's name (the part before @).",
    ),
    "password.contains_name": (
        "Lösenordet innehåller ditt namn.",
        "The password contains your name.",
    ),
    "password.same": (
        "Det nya lösenordet måste skilja sig från det nuvarande.",
        "The new password must differ from the current one.",
    ),
    "org_field.password.weak": (
        "Minst {n} tecken och inte lätt att gissa (inte bara siffror, inte ett vanligt ord "
        "med siffror, inte e-postadressen).",
        "At least {n} characters and not easily guessed (not digits only, not a common word "
        "with digits, not the e-mail address).",
    ),
    "org_field.terms.required": (
        "Villkoren behöver godkännas.",
        "The terms need to be accepted.",
    ),
    "org_field.org_role.invalid": ("Välj en av rollerna.", "Choose one of the roles."),
    # domain error codes (error_detail.<code>)
    "error_detail.org_fields": (
        "Några uppgifter är inte giltiga.",
        "Some details are not valid.",
    ),
    "error_detail.last_manager": (
        "Organisationen måste ha minst en företrädare eller ansvarig kvar.",
        "The organisation must keep at least one representative or manager.",
    ),
    "error_detail.last_manager_account": (
        "Du är organisationens enda företrädare eller ansvariga. Ge rollen till en kollega "
        "under Medlemmar innan du raderar ditt konto, eller be Valbar avsluta organisationen.",
        "You are the organisation's only representative or manager. Give the role to a "
        "colleague under Members before deleting your account, or ask Valbar to close the "
        "organisation.",
    ),
    "error_detail.already_member": (
        "Adressen hör redan till en medlem i organisationen.",
        "The address belongs to a member of the organisation already.",
    ),
    "error_detail.invitation_cap": (
        "Organisationen har redan {limit} öppna inbjudningar. Återkalla några eller vänta "
        "tills de används eller går ut.",
        "The organisation has {limit} open invitations already. Withdraw some or wait until "
        "they are used or expire.",
    ),
    "error_detail.email_taken": (
        "Adressen har redan ett konto på Valbar och kan inte bjudas in. Den som har kontot "
        "kan be Valbar flytta det.",
        "The address has a Valbar account already and cannot be invited. Its owner can ask "
        "Valbar to move it.",
    ),
    "error_detail.already_invited": (
        "Adressen bjöds in i samma stund. Ladda om sidan.",
        "The address was invited at this very moment. Reload the page.",
    ),
    "error_detail.not_manager": (
        "Bara företrädaren eller den ansvariga hanterar medlemmar.",
        "Only the representative or manager manages members.",
    ),
    "error_detail.org_not_active": (
        "Organisationen är inte aktiv.",
        "The organisation is not active.",
    ),
    "error_detail.platform_staff": (
        "Valbars personal hör inte till någon organisation.",
        "Valbar's staff belong to no organisation.",
    ),
    "error_detail.other_organisation": (
        "Kontot hör till en annan organisation.",
        "The account belongs to another organisation.",
    ),
}
