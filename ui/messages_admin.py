"""UI text of the admin console: its home, organisations, users, the audit log and the page
a reset link opens (key -> (Swedish, English), merged into ``ui.i18n``)."""

from __future__ import annotations

ADMIN_MESSAGES: dict[str, tuple[str, str]] = {
    "nav.admin": ("Administration", "Administration"),
    # the admin home
    "console_home.title": ("Administration", "Administration"),
    "console_home.intro": (
        "Allt som administratörer sköter. Varje åtgärd loggas med vem som gjorde den.",
        "Everything admins look after. Every action is logged with who did it.",
    ),
    "console_home.organisations": ("Organisationer", "Organisations"),
    "console_home.organisations_text": (
        "Sök återförsäljare och kliniker, godkänn eller avslå ansökningar, stäng av och "
        "återaktivera, rätta uppgifter.",
        "Find retailers and clinics, approve or refuse sign-ups, suspend and reactivate, "
        "correct their details.",
    ),
    "console_home.pending": (
        "{n} ansökningar väntar på beslut",
        "{n} sign-ups wait for a decision",
    ),
    "console_home.pending_one": ("1 ansökan väntar på beslut", "1 sign-up waits for a decision"),
    "console_home.pending_none": (
        "Inga ansökningar väntar på beslut.",
        "No sign-ups wait for a decision.",
    ),
    "console_home.unconfirmed": (
        "Ansökningar som väntar på e-postbekräftelse: {n}",
        "Sign-ups waiting for their e-mail confirmation: {n}",
    ),
    "console_home.users": ("Användare och inloggning", "Users and sign-in"),
    "console_home.users_text": (
        "Sök användare, ändra roller, stäng av, återställ inloggning och häv spärrar.",
        "Find users, change roles, suspend, reset sign-in and lift locks.",
    ),
    "console_home.reviews": ("Granskning av omdömen", "Review moderation"),
    "console_home.reviews_text": (
        "Anmälda omdömen och låga omdömen som ingen återförsäljare besvarar.",
        "Reported reviews and low reviews no retailer answers.",
    ),
    "console_home.ranking": ("Rankningskonsol", "Ranking console"),
    "console_home.ranking_text": (
        "Vikter, förhandsgranskning och publicering av rankningen.",
        "Weights, previews and publishing of the ranking.",
    ),
    "console_home.log": ("Händelselogg", "Audit log"),
    "console_home.match_text": (
        "{n} erbjudanden väntar på att en person avgör deras produkt.",
        "{n} offers wait for a person to decide their product.",
    ),
    "console_home.log_text": (
        "Vem gjorde vad, och när: alla administrativa åtgärder.",
        "Who did what, and when: every administrative action.",
    ),
    # shared
    "adm.search": ("Sök", "Search"),
    "adm.search_button": ("Sök", "Search"),
    "adm.all": ("Alla", "All"),
    "adm.kind": ("Typ", "Kind"),
    "adm.status": ("Status", "Status"),
    "adm.name": ("Namn", "Name"),
    "adm.email": ("E-post", "E-mail"),
    "adm.none": ("Inga träffar.", "Nothing found."),
    "adm.shown": (
        "Visar {first}–{last} av {total}",
        "Showing {first}–{last} of {total}",
    ),
    "adm.previous": ("Föregående", "Previous"),
    "adm.next": ("Nästa", "Next"),
    "adm.pages": ("Sidor", "Pages"),
    "adm.reason": ("Motivering", "Reason"),
    "adm.reason_optional": ("Motivering (frivillig)", "Reason (optional)"),
    "adm.save": ("Spara", "Save"),
    "adm.back": ("Tillbaka", "Back"),
    "adm.history": ("Historik", "History"),
    "adm.no_history": ("Ingen historik ännu.", "No history yet."),
    "adm.when": ("När", "When"),
    "adm.who": ("Vem", "Who"),
    "adm.what": ("Åtgärd", "Action"),
    "adm.details": ("Detaljer", "Details"),
    "org_kind.retailer": ("Återförsäljare", "Retailer"),
    "org_kind.clinic": ("Klinik", "Clinic"),
    "org_status.pending": ("Väntar på beslut", "Waiting for a decision"),
    "org_awaiting.decision": ("Väntar på beslut", "Waiting for a decision"),
    "org_awaiting.email_confirmation": (
        "Väntar på e-postbekräftelse",
        "Waiting for e-mail confirmation",
    ),
    "orgs.awaiting": ("Ansökan väntar på", "Sign-up waits for"),
    "orgs.unconfirmed_text": (
        "Den som ansökte har inte bekräftat sin e-postadress än. Ansökan kan godkännas eller "
        "avslås först när adressen är bekräftad.",
        "The applicant has not confirmed the e-mail address yet. The sign-up can be approved "
        "or refused once the address is confirmed.",
    ),
    "org_status.active": ("Aktiv", "Active"),
    "org_status.suspended": ("Avstängd", "Suspended"),
    "org_status.refused": ("Avslagen", "Refused"),
    # organisations
    "orgs.title": ("Organisationer", "Organisations"),
    "orgs.search_label": (
        "Namn, organisationsnummer eller en medlems e-post",
        "Name, organisation number or a member's e-mail",
    ),
    "orgs.org_number": ("Organisationsnummer", "Organisation number"),
    "orgs.vat_number": ("Momsregistreringsnummer", "VAT number"),
    "orgs.street": ("Gatuadress", "Street address"),
    "orgs.postal_code": ("Postnummer", "Postal code"),
    "orgs.city": ("Ort", "City"),
    "orgs.created": ("Registrerad", "Registered"),
    "orgs.terms": ("Villkor godkända", "Terms accepted"),
    "orgs.terms_value": ("version {version}, {when}", "version {version}, {when}"),
    "orgs.missing": ("saknas", "missing"),
    "orgs.status_reason": ("Motivering: {reason}", "Reason: {reason}"),
    "orgs.status_changed": ("Ändrad {when}", "Changed {when}"),
    "orgs.retailer": ("Återförsäljarsida", "Retailer page"),
    "orgs.members": ("Medlemmar", "Members"),
    "orgs.no_members": ("Inga medlemmar.", "No members."),
    "orgs.member_role": ("Roll", "Role"),
    "orgs.member_active": ("Kan logga in", "Can sign in"),
    "orgs.decide": ("Beslut", "Decision"),
    "orgs.approve": ("Godkänn ansökan", "Approve the sign-up"),
    "orgs.approve_text": (
        "Organisationen blir aktiv och medlemmarna kan logga in.",
        "The organisation becomes active and its members can sign in.",
    ),
    "orgs.refuse": ("Avslå ansökan", "Refuse the sign-up"),
    "orgs.suspend": ("Stäng av organisationen", "Suspend the organisation"),
    "orgs.suspend_text": (
        "Medlemmarna loggas ut direkt och deras API-nycklar slutar fungera tills "
        "organisationen återaktiveras.",
        "Its members are signed out at once and their API keys stop working until the "
        "organisation is reactivated.",
    ),
    "orgs.reactivate": ("Återaktivera", "Reactivate"),
    "orgs.edit": ("Uppgifter", "Details"),
    "orgs.edit_intro": (
        "Organisationsnumret kontrolleras med sin kontrollsiffra; momsnumret måste vara "
        "organisationens eget.",
        "The organisation number is checked with its check digit; the VAT number must be "
        "the organisation's own.",
    ),
    "orgs.members_count": ("Medlemmar", "Members"),
    # users
    "users.find": ("Sök användare", "Find users"),
    "users.search_label": (
        "E-post, namn eller organisation",
        "E-mail, name or organisation",
    ),
    "users.role": ("Plattformsroll", "Platform role"),
    "users.org_role": ("Roll i organisationen", "Role in the organisation"),
    "users.organisation": ("Organisation", "Organisation"),
    "users.no_org": ("Ingen (plattformens personal)", "None (platform staff)"),
    "users.state": ("Konto", "Account"),
    "users.active": ("Aktivt", "Active"),
    "users.suspended": ("Avstängt", "Suspended"),
    "users.roles": ("Roller", "Roles"),
    "users.roles_intro": (
        "En medlem i en återförsäljare är återförsäljare, en medlem i en klinik är klinik; "
        "merchandiser och administratör hör inte till någon organisation.",
        "A member of a retailer is a retailer, a member of a clinic a clinic; merchandisers "
        "and admins belong to no organisation.",
    ),
    "users.save_roles": ("Spara roller", "Save roles"),
    "users.suspend": ("Stäng av användaren", "Suspend the user"),
    "users.suspend_text": (
        "Användaren loggas ut överallt och API-nycklarna slutar fungera.",
        "The user is signed out everywhere and their API keys stop working.",
    ),
    "users.reactivate": ("Återaktivera användaren", "Reactivate the user"),
    "users.reset": ("Återställ inloggning", "Reset sign-in"),
    "users.reset_text": (
        "Loggar ut användaren överallt, häver spärren efter felaktiga lösenord och skickar "
        "ett e-postmeddelande med en länk för att välja nytt lösenord (gäller i {hours} "
        "timmar).",
        "Signs the user out everywhere, lifts the lock after wrong passwords and e-mails a "
        "link to choose a new password (valid for {hours} hours).",
    ),
    "users.reset_lang": ("E-postens språk", "The e-mail's language"),
    "users.open": ("Öppna", "Open"),
    # the audit log
    "log.title": ("Händelselogg", "Audit log"),
    "log.target_kind": ("Gäller", "Concerns"),
    "log.target_id": ("Id", "Id"),
    "log.target.organisation": ("Organisation", "Organisation"),
    "log.target.user": ("Användare", "User"),
    "log.filter": ("Filtrera", "Filter"),
    # the new-password page a reset link opens
    "password_set.title": ("Välj ett nytt lösenord", "Choose a new password"),
    "password_set.intro": (
        "Välj ett lösenord för {email}. Minst 10 tecken; en mening är lätt att minnas.",
        "Choose a password for {email}. At least 10 characters; a sentence is easy to remember.",
    ),
    "password_set.new": ("Nytt lösenord", "New password"),
    "password_set.repeat": ("Samma lösenord igen", "The same password again"),
    "password_set.save": ("Spara lösenordet", "Save the password"),
    "password_set.invalid": (
        "Länken fungerar inte längre: den har gått ut, redan använts eller ersatts av en "
        "nyare. Be om en ny via ”Glömt lösenordet?” på inloggningssidan.",
        "The link no longer works: it has expired, was already used or was replaced by a "
        "newer one. Ask for a new one with “Forgot your password?” on the sign-in page.",
    ),
    "password_set.weak": (
        "Lösenordet sparades inte: det måste vara 10–1024 tecken, skrivas likadant två "
        "gånger och inte vara lätt att gissa (få olika tecken, bara siffror, ett vanligt ord "
        "med siffror eller din e-postadress).",
        "The password was not saved: it must be 10-1024 characters, typed the same twice and "
        "not easily guessed (few different characters, digits only, a common word with "
        "digits, or your e-mail address).",
    ),
    # a forgotten password: ask for a link by e-mail
    "password_forgot.link": ("Glömt lösenordet?", "Forgot your password?"),
    "password_forgot.title": ("Glömt lösenordet", "Forgotten password"),
    "password_forgot.intro": (
        "Skriv e-postadressen du loggar in med, så skickar vi en länk där du väljer ett nytt "
        "lösenord.",
        "Enter the e-mail address you sign in with and we will send a link where you choose "
        "a new password.",
    ),
    "password_forgot.submit": ("Skicka länken", "Send the link"),
    "password_forgot.sent": (
        "Om {email} har ett konto hos Valbar är en länk på väg dit. Den gäller i {hours} "
        "timmar och kan användas en gång. Kommer inget? Titta i skräpposten, eller fråga den "
        "som administrerar er organisation.",
        "If {email} has a Valbar account, a link is on its way there. It is valid for {hours} "
        "hours and works once. Nothing arrives? Look in the spam folder, or ask whoever "
        "administers your organisation.",
    ),
    "password_forgot.bad_email": (
        "Skriv en e-postadress (till exempel namn@klinik.se).",
        "Enter an e-mail address (for example name@clinic.se).",
    ),
    "password_forgot.back": ("Tillbaka till inloggningen", "Back to sign-in"),
    # notices after a redirect
    "notice.org_approved": ("Ansökan är godkänd.", "The sign-up is approved."),
    "notice.org_refused": ("Ansökan är avslagen.", "The sign-up is refused."),
    "notice.org_suspended": (
        "Organisationen är avstängd och medlemmarna utloggade.",
        "The organisation is suspended and its members signed out.",
    ),
    "notice.org_reactivated": ("Organisationen är återaktiverad.", "The organisation is active."),
    "notice.org_saved": ("Uppgifterna är sparade.", "The details are saved."),
    "notice.roles_saved": ("Rollerna är sparade.", "The roles are saved."),
    "notice.user_suspended": ("Användaren är avstängd.", "The user is suspended."),
    "notice.user_reactivated": ("Användaren är återaktiverad.", "The user is active again."),
    "notice.sign_in_reset": (
        "Inloggningen är återställd och länken skickas med e-post.",
        "Sign-in is reset and the link is on its way by e-mail.",
    ),
    "notice.password_set": (
        "Ditt nya lösenord är sparat. Logga in med det.",
        "Your new password is saved. Log in with it.",
    ),
    # why a decision or a correction was refused (``error_detail.<code>``)
    "error_detail.org_status": (
        "Organisationen har redan status ”{status}”: ladda om sidan.",
        "The organisation is already “{status}”: reload the page.",
    ),
    "error_detail.user_state": (
        "Kontot är redan ”{status}”: ladda om sidan.",
        "The account is already “{status}”: reload the page.",
    ),
    "error_detail.field_length": (
        "Fältet ”{field}” får vara högst {high} tecken och får inte vara tomt.",
        "The field “{field}” must be 1 to {high} characters.",
    ),
    "error_detail.field_required": ("Fyll i fältet ”{field}”.", "Fill in the field “{field}”."),
    "error_detail.field_choice": (
        "Fältet ”{field}” måste vara ett av: {choices}.",
        "The field “{field}” must be one of: {choices}.",
    ),
    "error_detail.field_range": (
        "Fältet ”{field}” ligger utanför det tillåtna.",
        "The field “{field}” is out of range.",
    ),
    "error_detail.org_number_format": (
        "Organisationsnumret ska vara tio siffror, NNNNNN-NNNN.",
        "The organisation number must be ten digits, NNNNNN-NNNN.",
    ),
    "error_detail.org_number_check_digit": (
        "Organisationsnumret har fel kontrollsiffra: kontrollera det.",
        "The organisation number's check digit is wrong: check it.",
    ),
    "error_detail.org_number_vat_format": (
        "Momsnumret ska vara SE + tio siffror + 01.",
        "The VAT number must be SE + ten digits + 01.",
    ),
    "error_detail.org_number_vat_mismatch": (
        "Momsnumret hör inte till organisationsnumret.",
        "The VAT number does not belong to the organisation number.",
    ),
    "error_detail.org_number_taken": (
        "Organisationsnumret används redan av en annan organisation.",
        "The organisation number is already used by another organisation.",
    ),
    "error_detail.role_of_org": (
        "En medlem i den här organisationen har plattformsrollen ”{role}”.",
        "A member of this organisation has the platform role “{role}”.",
    ),
    "error_detail.role_needs_org": (
        "Rollen kräver en organisation; användaren hör inte till någon.",
        "The role needs an organisation; the user belongs to none.",
    ),
    "error_detail.org_role_without_org": (
        "Bara medlemmar i en organisation har en roll i den.",
        "Only members of an organisation have a role in it.",
    ),
    "error_detail.user_suspended": (
        "Kontot är avstängt: återaktivera det först.",
        "The account is suspended: reactivate it first.",
    ),
    "error_detail.self_action": (
        "Du kan inte ändra din egen roll eller stänga av dig själv.",
        "You cannot change your own role or suspend yourself.",
    ),
}
