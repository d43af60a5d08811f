"""UI text of the merchandisers' synonym console and search report (key -> (Swedish,
English), merged into ``ui.i18n``)."""

from __future__ import annotations

SYNONYM_MESSAGES: dict[str, tuple[str, str]] = {
    "synonyms.title": ("Synonymer och sammansättningar", "Synonyms and compounds"),
    "synonyms.nav": ("Synonymer", "Synonyms"),
    "synonyms.intro": (
        "Regler som gäller i sökningen så fort de publiceras, utan ny indexering. En regel per "
        "rad: «a, b» gör orden likvärdiga åt båda hållen, «a => b» låter a hitta b (inte "
        "tvärtom), «ord = del del» delar ett sammansatt ord, «ord =» delar det aldrig. "
        "# inleder en kommentar.",
        "Rules that apply to search as soon as they are published, with no reindex. One rule "
        "per line: 'a, b' makes the words equivalent both ways, 'a => b' lets a find b (not "
        "back), 'word = part part' splits a compound, 'word =' never splits it. # starts a "
        "comment.",
    ),
    "synonyms.live": ("Publicerad: version {v}", "Published: version {v}"),
    "synonyms.live_none": ("Inga regler publicerade", "No rules published"),
    "synonyms.draft": ("Utkast: version {v}", "Draft: version {v}"),
    "synonyms.rules": ("Regler", "Rules"),
    "synonyms.comment": ("Kommentar", "Comment"),
    "synonyms.save_draft": ("Spara utkast", "Save draft"),
    "synonyms.refused": ("Reglerna sparades inte:", "The rules were not saved:"),
    "synonyms.bad_line": ("Rad {line}: {reason}", "Line {line}: {reason}"),
    "synonyms.bad_text": ("Texten är för lång.", "The text is too long."),
    "synonyms.bad_rule": (
        "regeln kan inte läsas (skriv «a, b», «a => b», «ord = del del» eller «ord =»)",
        "the rule cannot be read",
    ),
    "synonyms.rule.no_letters": (
        "«{term}» har inga bokstäver eller siffror",
        "'{term}' has no letters or digits",
    ),
    "synonyms.rule.empty_term": (
        "en tom term (två kommatecken i rad, eller ett först eller sist)",
        "an empty term (two commas, or one at an end)",
    ),
    "synonyms.rule.too_many_words": (
        "«{term}» har fler än {limit} ord",
        "'{term}' has more than {limit} words",
    ),
    "synonyms.rule.too_many_terms": ("fler än {limit} termer", "more than {limit} terms"),
    "synonyms.rule.compound_one_word": (
        "sammansättningen «{word}» måste vara ett ord",
        "the compound '{word}' must be one word",
    ),
    "synonyms.rule.compound_parts": (
        "delningen av «{word}»: ange två delar eller fler",
        "the split of '{word}': give two parts or more",
    ),
    "synonyms.rule.compound_spelling": (
        "delningen av «{word}»: delarna «{parts}» bildar inte ordet (ett fog-s, -e, -a, -u "
        "eller -o mellan delarna får utelämnas)",
        "the split of '{word}': the parts '{parts}' do not spell it (a linking s/e/a/u/o "
        "between parts may be left out)",
    ),
    "synonyms.rule.line_too_long": ("längre än {limit} tecken", "longer than {limit} characters"),
    "synonyms.rule.too_many_rules": ("fler än {limit} regler", "more than {limit} rules"),
    "synonyms.rule.two_arrows": ("mer än en «=>»", "more than one '=>'"),
    "synonyms.rule.already_split": (
        "«{word}» delas redan på rad {first}",
        "'{word}' is already split on line {first}",
    ),
    "synonyms.rule.one_term": (
        "en tvåvägsregel behöver två termer eller fler («a, b»); envägs skrivs «a => b»",
        "a two-way rule needs two terms or more ('a, b'); one-way is 'a => b'",
    ),
    "synonyms.preview": ("Förhandsgranska utkastet", "Preview the draft"),
    "synonyms.preview_intro": (
        "Vad varje sökning hittar med de publicerade reglerna och med utkastet: de sökningar "
        "du skriver och de vanligaste sökningarna utan träffar de senaste 30 dagarna.",
        "What each search finds with the published rules and with the draft: the searches "
        "you type and the most frequent searches without hits in the last 30 days.",
    ),
    "synonyms.preview_queries": ("Sökningar (en per rad)", "Searches (one per line)"),
    "synonyms.preview_button": ("Förhandsgranska", "Preview"),
    "synonyms.no_draft": (
        "Inget utkast att förhandsgranska: spara ett först.",
        "No draft to preview: save one first.",
    ),
    "synonyms.query": ("Sökning", "Search"),
    "synonyms.source": ("Varifrån", "From"),
    "synonyms.source.typed": ("skriven", "typed"),
    "synonyms.source.zero_results": ("utan träffar", "no results"),
    "synonyms.before": ("Före (publicerat)", "Before (published)"),
    "synonyms.after": ("Efter (utkast)", "After (draft)"),
    "synonyms.hits": ("{n} träffar", "{n} hits"),
    "synonyms.now_found": ("hittar nu produkter", "now finds products"),
    "synonyms.changes": ("Ändringar mot det publicerade", "Changes against the published"),
    "synonyms.no_changes": ("Inga ändringar.", "No changes."),
    "synonyms.publish": ("Publicera utkastet", "Publish the draft"),
    "synonyms.rollback_to": ("Rulla tillbaka till version", "Roll back to version"),
    "synonyms.rollback": ("Rulla tillbaka", "Roll back"),
    "synonyms.history": ("Ändringslogg", "Change log"),
    "synonyms.no_history": ("Inga versioner ännu.", "No versions yet."),
    "synonyms.saved": ("Utkast version {v} sparat.", "Draft version {v} saved."),
    "synonyms.published": ("Version {v} är publicerad.", "Version {v} is published."),
    "synonyms.rolled_back": (
        "Tillbakarullat: version {v} är publicerad.",
        "Rolled back: version {v} is published.",
    ),
    "synonyms.conflict": (
        "Versionen kan inte publiceras eller rullas tillbaka i sitt läge (ladda om sidan).",
        "That version cannot be published or rolled back in its state (reload the page).",
    ),
    "synonyms.no_such_version": ("Versionen finns inte.", "No such version."),
    "searchreport.title": ("Sökningar som inte lyckas", "Searches that fail"),
    "searchreport.nav": ("Sökrapport", "Search report"),
    "searchreport.intro": (
        "Vad kliniker söker efter utan att hitta det, vanligaste först. Bara sökordet och "
        "antal räknas (per dag), aldrig vem som sökte.",
        "What clinics search for without finding it, most frequent first. Only the query "
        "text and counts are kept (per day), never who searched.",
    ),
    "searchreport.kind.zero": ("Utan träffar", "No results"),
    "searchreport.kind.no_click": ("Träffar men inget klick", "Results but no click"),
    "searchreport.period": ("Period", "Period"),
    "searchreport.period.7d": ("7 dagar", "7 days"),
    "searchreport.period.30d": ("30 dagar", "30 days"),
    "searchreport.period.90d": ("90 dagar", "90 days"),
    "searchreport.period.365d": ("ett år", "one year"),
    "searchreport.show": ("Visa", "Show"),
    "searchreport.query": ("Sökning", "Search"),
    "searchreport.searches": ("Sökningar", "Searches"),
    "searchreport.zero_results": ("Utan träffar", "No results"),
    "searchreport.no_click": ("Utan klick", "No click"),
    "searchreport.clicks": ("Klick", "Clicks"),
    "searchreport.last_seen": ("Senast", "Last seen"),
    "searchreport.empty": (
        "Inga sådana sökningar under perioden.",
        "No such searches in the period.",
    ),
    "searchreport.fix": ("Lägg till synonym", "Add a synonym"),
    "searchreport.more": ("Fler", "More"),
}
