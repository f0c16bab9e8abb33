"""Two reference baselines that need no model and no download: a floor any system should beat.

- figures: numbers written in digits or words, with a scale word (million), a
  unit (percent, km, miles) and an approximator or bound before them (about,
  more than, almost). Labels by rule: PERCENT with a percent unit, QUANTITY with
  a unit of measure, else CARDINAL. Predicts value, unit, approximate and bound;
  not category, source or what is measured.
- quotes: direct speech only: text between quotation marks (straight or
  typographic) with a "said"/"told" close by in the same paragraph; the cue is
  that verb and the speaker the capitalised name nearest to it. Predicts content,
  cue, speaker and type; not the speaker's knowledge-base entity.

The rules read the text only, never the gold, so their scores are honest. They
are kept deliberately plain; the numbers they get are in the README.
"""

from __future__ import annotations

import json
import re

__all__ = ["BASELINES", "figures_baseline", "quotes_baseline", "baseline_lines", "is_baseline_output"]

_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen".split())}
_WORDS.update({w: 10 * i for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)})
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_VAGUE = {"dozens": 12, "hundreds": 100, "thousands": 1_000, "millions": 1_000_000}
_DENOMINATORS = {"half": 2, "halves": 2, "third": 3, "thirds": 3, "fourth": 4, "fourths": 4,
                 "quarter": 4, "quarters": 4}
_APPROXIMATE = {"about", "around", "approximately", "roughly", "some", "nearly", "almost", "close to"}
_LOWER = {"more than", "over", "at least"}
_UPPER = {"less than", "fewer than", "under", "up to", "almost", "nearly"}
_UNITS = {"%": "%", "percent": "%", "per cent": "%", "km": "km", "kilometer": "km", "kilometre": "km",
          "mile": "mi", "meter": "m", "metre": "m", "kg": "kg", "kilogram": "kg", "ton": "t", "tonne": "t"}

_alt = "|".join
_NUMWORD = rf"(?:(?:{_alt(w for w in _WORDS if _WORDS[w] >= 20)})(?:-(?:{_alt(list(_WORDS)[1:10])}))?|{_alt(_WORDS)})"
_SCALE = rf"(?:{_alt(_SCALES)})"
_DIGITS = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"
_CORE = (rf"(?:(?:{_alt(_VAGUE)})(?:\s+of\s+(?:thousands|millions))?"
         rf"|half\s+an?\s+{_SCALE}|an?\s+{_SCALE}|(?:a\s+)?dozen"
         rf"|(?:one|two|three)-(?:{_alt(_DENOMINATORS)})"
         rf"|(?:{_DIGITS}|{_NUMWORD})(?:\s+{_SCALE})?|half)")
_UNIT = r"(?:\s*%|\s+(?:percent|per\s+cent|km|kilomet(?:er|re)s?|miles?|met(?:er|re)s?|kg|kilograms?|tons?|tonnes?)\b)"
_APPROX = r"(?:about|around|approximately|roughly|some|nearly|almost|close\s+to|more\s+than|over|at\s+least" \
          r"|less\s+than|fewer\s+than|under|up\s+to)"
_FIGURE = re.compile(rf"(?<![\w.,#/-])(?:(?P<approx>{_APPROX})\s+)?(?P<core>{_CORE})(?P<unit>{_UNIT})?"
                     rf"(?!\w|[.,/]\d)", re.IGNORECASE)
_MONTH = re.compile(r"(?:January|February|March|April|May|June|July|August|September|October|November|"
                    r"December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?\s+$")
_TIME_AFTER = re.compile(r"(?:-|\s+)(?:years?|months?|weeks?|days?|hours?|minutes?|seconds?|[ap]\.m\.)\b"
                         r"|:\d", re.IGNORECASE)
_ENTITY_RESIDUE = re.compile(r"&\s*#\s*$")


def _number(core: str) -> tuple[float, bool]:
    """The value of a number expression and whether it is a vague plural (hundreds of thousands)."""
    words = core.lower().replace(",", "").split()
    if words[0] in _VAGUE:
        # Guidelines, decision 19: the smallest number the plural is true of, two of its unit.
        value = 2 * _VAGUE[words[0]] * (_VAGUE[words[-1]] if len(words) == 3 else 1)
        return value, True
    if "-" in words[0] and words[0].split("-")[1] in _DENOMINATORS:
        numerator, denominator = words[0].split("-")
        return _WORDS[numerator] / _DENOMINATORS[denominator], False
    value = 1.0
    for word in words:
        if word in _SCALES:
            value *= _SCALES[word]
        elif word == "half":
            value *= 0.5
        elif word == "dozen":
            value *= 12
        elif word in ("a", "an"):
            continue
        elif word[0].isdigit():
            value *= float(word)
        else:
            value *= sum(_WORDS[part] for part in word.split("-"))
    return value, False


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 6)


def figures_baseline(text: str) -> list[dict]:
    """Figures found by the rules in the module docstring, in text order."""
    out = []
    for m in _FIGURE.finditer(text):
        core = m.group("core")
        before, after = text[:m.start()], text[m.end():]
        if _MONTH.search(before) or _ENTITY_RESIDUE.search(before) or _TIME_AFTER.match(after):
            continue  # dates, times, durations and `& # 39;` residue are not figures
        if re.fullmatch(r"(19|20)\d\d", core) and not m.group("unit"):
            continue  # a year
        value, vague = _number(core)
        approx = re.sub(r"\s+", " ", (m.group("approx") or "").lower())
        unit_word = re.sub(r"\s+", " ", (m.group("unit") or "").strip().lower())
        unit = _UNITS.get(unit_word.rstrip("s") if unit_word not in _UNITS else unit_word)
        label = "PERCENT" if unit == "%" else "QUANTITY" if unit else "CARDINAL"
        out.append({"label": label, "start": m.start(), "end": m.end(), "text": m.group(0),
                    "value": _plain(value), "value_max": None, "unit": unit,
                    "approximate": vague or approx in _APPROXIMATE,
                    "bound": "lower" if vague or approx in _LOWER else "upper" if approx in _UPPER else None})
    return out


_QUOTED = re.compile(r'"(?P<a>[^"\n]+?)(?:"|,quot;)|“(?P<b>[^“”\n]+)[”“]')
_CUE = re.compile(r"\b(?:said|told)\b")
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:al-)?[A-Z][\w’'-]*)*")
_NOT_NAMES = {"The", "A", "An", "In", "On", "At", "As", "But", "And", "It", "This", "That", "Asked", "When", "If"}
_WINDOW = 80  # characters around a quotation searched for its cue and around the cue for its speaker


def _span(text: str, start: int, end: int) -> dict:
    return {"start": start, "end": end, "text": text[start:end]}


def _nearest(spans, start: int, end: int, outside: tuple[int, int]) -> tuple[int, int] | None:
    """The (start, end) span closest to [start, end) that does not overlap the quotation `outside`."""
    best = None
    for s, e in spans:
        if s < outside[1] and outside[0] < e:
            continue
        distance = s - end if s >= end else start - e
        if best is None or distance < best[0]:
            best = (distance, (s, e))
    return best[1] if best else None


def _names(text: str, lo: int, hi: int, quoted: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Runs of capitalised words in text[lo:hi] outside every quotation, a possessive 's dropped.

    A run of sentence-initial function words alone ("The", "In") is not a name.
    """
    out = []
    for n in _NAME.finditer(text, lo, hi):
        if all(w in _NOT_NAMES for w in n.group(0).split()) or _inside(n.span(), quoted):
            continue
        out.append((n.start(), n.end() - 2 if n.group(0).endswith(("’s", "'s")) else n.end()))
    return out


def _inside(span: tuple[int, int], quoted: list[tuple[int, int]]) -> bool:
    return any(s < span[1] and span[0] < e for s, e in quoted)


def quotes_baseline(text: str) -> list[dict]:
    """Direct quotes found by the rules in the module docstring, in text order."""
    out, found = [], list(_QUOTED.finditer(text))
    quoted_all = [m.span() for m in found]
    for m in found:
        group = "a" if m.group("a") is not None else "b"
        inner = m.group(group)
        start = m.start(group) + len(inner) - len(inner.lstrip())
        end = m.end(group) - (len(inner) - len(inner.rstrip()))
        if start >= end:
            continue
        para_start = text.rfind("\n", 0, m.start()) + 1
        para_end = text.find("\n", m.end())
        para_end = len(text) if para_end < 0 else para_end
        quoted = (m.start(), m.end())
        lo, hi = max(para_start, m.start() - _WINDOW), min(para_end, m.end() + _WINDOW)
        cues = [c.span() for c in _CUE.finditer(text, lo, hi) if not _inside(c.span(), quoted_all)]
        cue = _nearest(cues, *quoted, quoted)
        if cue is None:
            continue
        lo, hi = max(para_start, cue[0] - _WINDOW), min(para_end, cue[1] + _WINDOW)
        speaker = _nearest(_names(text, lo, hi, quoted_all), *cue, quoted)
        out.append({"type": "direct", "content": _span(text, start, end),
                    "speaker": _span(text, *speaker) if speaker else None, "cue": _span(text, *cue)})
    return out


BASELINES = {"figures": figures_baseline, "quotes": quotes_baseline}


def baseline_lines(kind: str, documents) -> list[str]:
    """The predictions file of a baseline: one JSON line per document, sorted by id."""
    predict = BASELINES[kind]
    return [json.dumps({"id": d.id, kind: predict(d.text)}, ensure_ascii=False) + "\n"
            for d in sorted(documents, key=lambda d: d.id)]


#: The fields of each prediction, in the order the baselines write them.
_FIELDS = {"figures": ["label", "start", "end", "text", "value", "value_max", "unit", "approximate", "bound"],
           "quotes": ["type", "content", "speaker", "cue"]}


def is_baseline_output(data: bytes, kind: str) -> bool:
    """Whether `data` is recognisably a file `baseline_lines(kind, ...)` wrote, so `baseline --out` may
    replace it: UTF-8 lines, each exactly `json.dumps` of `{"id": ..., kind: [...]}` with the
    baseline's fields in its order, ids unique and ascending. A predictions file of another system, or
    one edited by hand, almost never matches this byte for byte; one that does is a baseline's."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if not text.endswith("\n"):
        return False
    ids = []
    for line in text[:-1].split("\n"):
        try:
            record = json.loads(line)
        except (ValueError, RecursionError):
            return False
        if not isinstance(record, dict) or list(record) != ["id", kind] or not isinstance(record["id"], str) \
                or not isinstance(record[kind], list) or json.dumps(record, ensure_ascii=False) != line:
            return False
        if any(not isinstance(p, dict) or list(p) != _FIELDS[kind] for p in record[kind]):
            return False
        ids.append(record["id"])
    return ids == sorted(set(ids))
