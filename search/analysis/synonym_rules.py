"""Merchandisers' synonyms and compound splits: the text format, its parser and lookups.

A rule set is plain text, one rule per line (``#`` starts a comment)::

    anestesi, bedövning            two-way: each term also finds the others
    karpul => cylinderampull       one-way: "karpul" also finds "cylinderampull", not back
    lokalanestesi = lokal anestesi compound split: the parts a query word is split into
    munskydd =                     never split this word (it is not "mun" + "skydd")

A term may be several words (``rubber dam``). Rules are applied at query time only
(``search.analysis.query.QueryAnalyzer``): no reindex is needed, on tantivy or OpenSearch.
Terms are matched by their exact words and by their Swedish and English stems, so inflected
forms (``anestesin``) find their rule. The text is untrusted (typed in the console, sent to
the API): its size, the number of rules and the length of a term are bounded, and every
refusal names the line.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from search.analysis.swedish import stem_en, stem_sv
from search.analysis.tokens import tokenize
from search.errors import SynonymRulesError

Phrase = tuple[str, ...]

MAX_TEXT_CHARS = 200_000
MAX_RULES = 5_000
MAX_LINE_CHARS = 500
MAX_TERMS_PER_RULE = 20
MAX_WORDS_PER_TERM = 6
LINKING = "seauo"


@dataclass(frozen=True, slots=True)
class SynonymRule:
    """One line: ``sources`` find ``targets``; a two-way rule has every term in both."""

    line: int
    sources: tuple[Phrase, ...]
    targets: tuple[Phrase, ...]
    two_way: bool

    def text(self) -> str:
        join = ", ".join
        if self.two_way:
            return join(" ".join(t) for t in self.sources)
        sources = join(" ".join(t) for t in self.sources)
        return f"{sources} => {join(' '.join(t) for t in self.targets)}"


@dataclass(frozen=True, slots=True)
class CompoundRule:
    """One line ``word = part part``; no parts: the word is never split."""

    line: int
    word: str
    parts: Phrase

    def text(self) -> str:
        return f"{self.word} = {' '.join(self.parts)}".rstrip()


@dataclass(slots=True)
class SynonymRules:
    """A parsed rule set with its lookups (expansions by phrase, split overrides by word)."""

    synonyms: list[SynonymRule] = field(default_factory=list)
    compounds: list[CompoundRule] = field(default_factory=list)
    _expansions: dict[str, list[Phrase]] = field(default_factory=dict)
    _splits: dict[str, Phrase] = field(default_factory=dict)
    max_phrase_len: int = 1
    digest: str = ""

    def __post_init__(self) -> None:
        expansions: dict[str, list[Phrase]] = defaultdict(list)
        for rule in self.synonyms:
            for source in rule.sources:
                for target in rule.targets:
                    if target == source:
                        continue
                    for key in _keys(source):
                        if target not in expansions[key]:
                            expansions[key].append(target)
        self._expansions = dict(expansions)
        self._splits = {c.word: c.parts for c in self.compounds}
        self.max_phrase_len = max(
            [len(s) for r in self.synonyms for s in r.sources] + [1], default=1
        )
        self.digest = hashlib.sha256(self.text().encode()).hexdigest()[:16]

    def __bool__(self) -> bool:
        return bool(self.synonyms or self.compounds)

    def __len__(self) -> int:
        return len(self.synonyms) + len(self.compounds)

    def __hash__(self) -> int:
        return hash(self.digest)

    def expansions(self, phrase: Phrase) -> list[Phrase]:
        """The terms ``phrase`` also finds (exact words first, then by stems)."""
        found: list[Phrase] = []
        for key in _keys(phrase):
            for target in self._expansions.get(key, ()):
                if target != phrase and target not in found:
                    found.append(target)
        return found

    def split(self, word: str) -> Phrase | None:
        """The merchandiser's split of ``word``: parts, ``()`` for "never split", or None
        when no rule names the word (the shipped decompounder decides)."""
        return self._splits.get(word)

    def text(self) -> str:
        """The canonical text: synonyms, then compound splits, one rule a line."""
        lines = [r.text() for r in self.synonyms] + [c.text() for c in self.compounds]
        return "\n".join(lines) + ("\n" if lines else "")


def _keys(phrase: Phrase) -> list[str]:
    exact = "w:" + " ".join(phrase)
    return list(
        dict.fromkeys(
            [
                exact,
                "sv:" + " ".join(stem_sv(t) for t in phrase),
                "en:" + " ".join(stem_en(t) for t in phrase),
            ]
        )
    )


EMPTY_RULES = SynonymRules()

_COMPOUND = re.compile(r"^([^=]*?)\s*=(?!>)\s*(.*)$")


def _terms(raw: str, line: int, side: str) -> tuple[Phrase, ...]:
    terms: list[Phrase] = []
    for piece in raw.split(","):
        words = tuple(tokenize(piece))
        if not words:
            if piece.strip():
                raise SynonymRulesError(
                    line,
                    f"{side}: {piece.strip()!r} has no letters or digits",
                    "no_letters",
                    term=piece.strip(),
                )
            raise SynonymRulesError(
                line, f"{side}: an empty term (two commas, or one at an end)", "empty_term"
            )
        if len(words) > MAX_WORDS_PER_TERM:
            raise SynonymRulesError(
                line,
                f"{side}: {piece.strip()!r} has more than {MAX_WORDS_PER_TERM} words",
                "too_many_words",
                term=piece.strip(),
                limit=MAX_WORDS_PER_TERM,
            )
        if words not in terms:
            terms.append(words)
    if len(terms) > MAX_TERMS_PER_RULE:
        raise SynonymRulesError(
            line,
            f"{side}: more than {MAX_TERMS_PER_RULE} terms",
            "too_many_terms",
            limit=MAX_TERMS_PER_RULE,
        )
    return tuple(terms)


def _compound(raw_word: str, raw_parts: str, line: int) -> CompoundRule:
    words = tokenize(raw_word)
    if len(words) != 1 or not words[0].isalpha():
        raise SynonymRulesError(
            line,
            f"compound split: {raw_word.strip()!r} must be one word",
            "compound_one_word",
            word=raw_word.strip(),
        )
    word = words[0]
    parts = tuple(tokenize(raw_parts))
    if parts == (word,):
        parts = ()
    if len(parts) == 1:
        raise SynonymRulesError(
            line, f"compound split of {word!r}: give two parts or more", "compound_parts", word=word
        )
    linked = f"[{LINKING}]?".join(re.escape(p) for p in parts)
    if parts and not re.fullmatch(linked, word):
        raise SynonymRulesError(
            line,
            f"compound split of {word!r}: the parts {' + '.join(parts)!r} do not spell it "
            f"(a linking {'/'.join(LINKING)} between parts may be left out)",
            "compound_spelling",
            word=word,
            parts=" + ".join(parts),
        )
    return CompoundRule(line, word, parts)


def parse_rules(text: str) -> SynonymRules:
    """Parse a rule set; :class:`SynonymRulesError` names the first bad line."""
    if len(text) > MAX_TEXT_CHARS:
        raise SynonymRulesError(
            0, f"the rules are longer than {MAX_TEXT_CHARS} characters", "text_too_long"
        )
    synonyms: list[SynonymRule] = []
    compounds: dict[str, CompoundRule] = {}
    # lines as the console's text box shows them: a form feed or U+2028 in pasted text
    # is no line break there, so it must not shift the numbers the refusals name
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, raw in enumerate(lines, start=1):
        if len(raw) > MAX_LINE_CHARS:
            raise SynonymRulesError(
                number,
                f"longer than {MAX_LINE_CHARS} characters",
                "line_too_long",
                limit=MAX_LINE_CHARS,
            )
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if len(synonyms) + len(compounds) >= MAX_RULES:
            raise SynonymRulesError(
                number, f"more than {MAX_RULES} rules", "too_many_rules", limit=MAX_RULES
            )
        if "=>" in line:
            left, _, right = line.partition("=>")
            if "=>" in right:
                raise SynonymRulesError(number, "more than one '=>'", "two_arrows")
            sources = _terms(left, number, "before '=>'")
            targets = _terms(right, number, "after '=>'")
            synonyms.append(SynonymRule(number, sources, targets, two_way=False))
            continue
        compound = _COMPOUND.match(line)
        if compound is not None:
            rule = _compound(compound.group(1), compound.group(2), number)
            if rule.word in compounds:
                first = compounds[rule.word].line
                raise SynonymRulesError(
                    number,
                    f"{rule.word!r} is already split on line {first}",
                    "already_split",
                    word=rule.word,
                    first=first,
                )
            compounds[rule.word] = rule
            continue
        terms = _terms(line, number, "two-way rule")
        if len(terms) < 2:
            raise SynonymRulesError(
                number,
                "a two-way rule needs two terms or more ('a, b'); one-way is 'a => b'",
                "one_term",
            )
        synonyms.append(SynonymRule(number, terms, terms, two_way=True))
    return SynonymRules(synonyms, list(compounds.values()))


def rules_of(lines: Iterable[str]) -> SynonymRules:
    """:func:`parse_rules` of lines (a convenience for tests and files)."""
    return parse_rules("\n".join(lines))
