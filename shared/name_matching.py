"""Verification of Payee's name check (Regulation (EU) 2024/886, Art. 5c): the name a payer typed
against the account holder's name as the bank knows it, answered as match, close match or no match.

Both names are first brought to one form: letter case, accents, punctuation and spacing do not
count, nor do titles (Mr, Dr) or company suffixes (Ltd, Teoranta). Then:
- the same name parts, in any order ("Murphy John" for John Murphy), is a match;
- initials standing for the holder's names ("J. Murphy") are at best a close match: they fit, but
  they do not show that the payer knows the name;
- the holder's name with a part left out ("John Murphy" for John Patrick Murphy), two parts at
  least, is a close match; a surname alone is no match;
- otherwise rapidfuzz's token-sort ratio (0-100, order of parts ignored) decides: at or above the
  close-match score a close match (a typo, a missing middle name), below it no match.
Pure: no I/O, so the table of real-world cases in tests/unit/test_name_matching.py runs alone.
"""

import unicodedata
from dataclasses import dataclass
from typing import Literal

Result = Literal["match", "close_match", "no_match"]

# Honorifics and forms of address, in the languages our customers write them (Irish, English,
# French, German, Spanish, Italian, Portuguese), after normalisation (no dots, no accents).
_TITLES = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame", "rev", "fr", "sr", "jr",
    "uasal", "mme", "mlle", "herr", "frau", "sra", "srta", "sig", "sigra", "dott",
})
# Legal-form suffixes of companies: "Acme Ltd" and "ACME Limited" are one holder.
_COMPANY_SUFFIXES = frozenset({
    "ltd", "limited", "plc", "dac", "clg", "uc", "teoranta", "teo", "cpt", "llc", "llp", "inc",
    "incorporated", "corp", "corporation", "co", "company", "gmbh", "ag", "sa", "sarl", "sas", "srl",
    "spa", "bv", "nv", "oy",
})
# Apostrophes join (O'Brien is obrien); every other punctuation mark separates.
_APOSTROPHES = frozenset("'\u2019\u02bc`\u00b4")


@dataclass(frozen=True)
class Thresholds:
    """Scores out of 100 (settings VOP_MATCH_SCORE, VOP_CLOSE_MATCH_SCORE)."""

    match: int = 100
    close_match: int = 85


def normalise(name: str) -> list[str]:
    """The name's parts, lower case, without accents, punctuation, titles or company suffixes."""
    decomposed = unicodedata.normalize("NFKD", name)
    letters = []
    for ch in decomposed:
        if unicodedata.combining(ch) or ch in _APOSTROPHES:
            continue
        letters.append(ch.casefold() if ch.isalnum() else " ")
    parts = "".join(letters).split()
    kept = [part for part in parts if part not in _TITLES]
    while len(kept) > 1 and kept[-1] in _COMPANY_SUFFIXES:
        kept.pop()
    return kept or parts


def _initials_expanded(given: list[str], holder: list[str]) -> list[str] | None:
    """The given parts with each single-letter part replaced by a holder's part it is the initial
    of (each holder part used once); None when the name has no initials or one fits nothing."""
    if not any(len(part) == 1 for part in given):
        return None
    unused = [part for part in holder if part not in given]
    expanded = []
    for part in given:
        if len(part) == 1:
            found = next((name for name in unused if name.startswith(part)), None)
            if found is None:
                return None
            unused.remove(found)
            part = found
        expanded.append(part)
    return expanded


def score(given: list[str], holder: list[str]) -> float:
    from rapidfuzz import fuzz

    return max(fuzz.token_sort_ratio(" ".join(given), " ".join(holder)),
               # spacing does not count: "Mac Donald" is "MacDonald"
               fuzz.ratio("".join(given), "".join(holder)))


def _part_left_out(given: list[str], holder: list[str]) -> bool:
    return len(given) >= 2 and len(given) < len(holder) and set(given) <= set(holder)


def compare(given_name: str, holder_name: str, thresholds: Thresholds = Thresholds()) -> Result:
    given, holder = normalise(given_name), normalise(holder_name)
    if not given or not holder:
        return "no_match"
    expanded = _initials_expanded(given, holder)
    if expanded is not None:
        close = _part_left_out(expanded, holder) or score(expanded, holder) >= thresholds.close_match
        return "close_match" if close else "no_match"
    points = score(given, holder)
    if points < thresholds.match and _part_left_out(given, holder):
        return "close_match"
    if points >= thresholds.match:
        return "match"
    return "close_match" if points >= thresholds.close_match else "no_match"
