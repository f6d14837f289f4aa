"""Title comparison: is the paper a source describes the curator's paper? Pure functions."""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz

# Thresholds, on rapidfuzz's 0-100 ratio of normalised titles (tests/test_match.py holds
# the real pairs they were tuned on):
# - STRICT (accepting a title *search* result, where the source guessed): 92 admits a
#   changed word or two in a long title ("One-shot" vs "One-Shot.", "Networks" vs
#   "Network") but not sibling papers ("... for Vision Transformers" vs "... for LLMs").
# - LENIENT (checking the paper the curator's own link points to): 88, plus subtitle
#   rules, so a curator who shortened, re-cased or re-punctuated the title is not accused
#   of a wrong link, while a typo'd id that lands on an unrelated paper (ratio ~20-50) is,
#   and so is a sibling title ("... Soft Threshold Pruning" vs "... Structured Pruning": 86).
STRICT_RATIO = 92.0
LENIENT_RATIO = 88.0

_LATEX_COMMAND = re.compile(r"\\[a-zA-Z]+\*?")
_NON_WORD = re.compile(r"[^\w]+")
_SUBTITLE_SPLIT = re.compile(r"\s*(?::|\s-{1,2}\s|\s—\s|\s–\s)\s*")


def normalise_title(title: str) -> str:
    """Lower-case, accents folded, LaTeX commands/braces/$ and punctuation dropped, spaces collapsed."""
    text = title
    if not title.isascii():  # ASCII has nothing to fold (the per-character pass is the slow part)
        text = unicodedata.normalize("NFKD", title)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _LATEX_COMMAND.sub(" ", text)
    text = text.replace("{", "").replace("}", "").replace("$", "")
    text = _NON_WORD.sub(" ", text.casefold()).replace("_", " ")
    return " ".join(text.split())


def main_title(title: str) -> str:
    """The part before a subtitle separator (':', ' - ', ' — '), normalised."""
    return normalise_title(_SUBTITLE_SPLIT.split(title, maxsplit=1)[0])


def title_ratio(first: str, second: str) -> float:
    """0-100 similarity of two titles after normalisation."""
    return fuzz.ratio(normalise_title(first), normalise_title(second))


def titles_match(curated: str, found: str) -> bool:
    """Strict: the source's guess is the curator's paper (used for title searches)."""
    a, b = normalise_title(curated), normalise_title(found)
    return bool(a) and (a == b or fuzz.ratio(a, b) >= STRICT_RATIO)


def titles_compatible(curated: str, found: str) -> bool:
    """Lenient: the curator's link plausibly points to this paper (subtitles may differ)."""
    if curated == found:  # the usual case, and normalising is most of a run's discovery time
        return True
    a, b = normalise_title(curated), normalise_title(found)
    if not a or not b:
        return True  # nothing to compare against: no evidence of a wrong link
    if a == b or fuzz.ratio(a, b) >= LENIENT_RATIO:
        return True
    # One title is the other's main title: "SparseGPT" vs "SparseGPT: Massive ...".
    main_a, main_b = main_title(curated), main_title(found)
    if (
        main_a
        and main_b
        and (main_a == b or main_b == a or (main_a == main_b and len(main_a) >= 4))
    ):
        return True
    # One title is the other plus/minus a subtitle, at a word boundary.
    shorter, longer = sorted((a, b), key=len)
    return len(shorter.split()) >= 3 and longer.startswith(shorter + " ")
