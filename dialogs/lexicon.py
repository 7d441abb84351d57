"""Words that mean the same thing here, as concepts the matcher counts alongside the words.

Social-care shorthand ("sup", "supvn", "1:1", "AL", "TM") and the many ways of saying "cancel"
or "move" are too many for a few hundred examples to teach; a concept learnt from one of them
carries over to the rest. A writing conversation also needs its concept in the message
(`REQUIRED`): a question that never says "book", "cancel" or "sign" does not open their forms.
"""

from __future__ import annotations

from itertools import pairwise

CONCEPTS: dict[str, frozenset[str]] = {
    name: frozenset(words.split())
    for name, words in {
        "#sup": "sup sups supvn supervision supervisions supervison supervsion #1to1 session "
        "one-to-one 121 reflective",
        "#cancel": "cancel cancelled cancle scrap unbook kill drop delete remove stop longer "
        "call_off take_out out_of",
        "#move": "move moved moving rearrange rearange reschedule rescheduel postpone push shift "
        "swap delay rebook later forward back earlier another change clashes clash",
        "#book": "book booked booking bok schedule arrange diary set_up pop_in book_in",
        "#put": "put get set pop new",
        "#write": "record recording recrod write wirte writing type minutes notes log template "
        "write-up fill complete",
        "#sign": "sign signed signing sgin sing countersign signature e-sign agree accept "
        "approve confirm amending changes disagree",
        "#leave": "leave al holiday sick sickness poorly unwell maternity paternity absence "
        "absense absent sabbatical study off",
        "#decide": "decision decisions decided decide decison agreed authorise oversight "
        "direction rationale mo nfa approval",
        "#chat": "chat chats catch word corridor debrief debriefed informal infromal ad hoc "
        "ad-hoc conversation discussion spoke call unplanned quick popped grabbed",
        "#load": "caseload casload caseloads cases case kids children score scores points "
        "weighting weighted band capacity cap full busy busiest workload numbers",
        "#why": "why breakdown explain worked calculated driving makes maths detail itemise "
        "behind heaviest highest most",
        "#team": "team tema team's everyone workers staff sws whole",
        "#comply": "compliance complaince compliant overdue timescale late in-date timeliness "
        "percentage stats figures unsigned",
        "#allocate": "allocate alocate allocation room space headroom free capacity lowest least",
        "#whatif": "if would whatif what-if hypothetically model simulate preview imagine "
        "projected scenario effect",
        "#view": "view read see look open show download pull",
        "#help": "help hlep commands options menu instructions guide stuck",
        "#hello": "hi hello hiya hey morning afternoon evening alright hia helo yo",
        "#thanks": "thanks thank cheers ta thx thankyou appreciated lovely brill",
        "#overcap": "overcap over-cap over_cap exceed exception above",
        "#not": "not cannot",
        "#date": "#date today tomorrow tonight yesterday week month monday mon tuesday tue tues "
        "wednesday wed weds thursday thu thur thurs friday fri saturday sunday christmas "
        "afternoon morning",
        "#element": "element duty educator pq mentor responsibility student module",
        "#course": "course courses training trained s47 section enquiries",
    }.items()
}
# Words that carry no request on their own: a message of only these (and unknown words) is no
# request ("the lift is out of order").
STOPWORDS = frozenset(
    {
        "the", "a", "an", "is", "of", "what", "for", "my", "i", "to", "in", "on", "it", "and",
        "out", "be", "are", "am", "you", "me", "this", "that", "at", "with", "have", "has",
        "there", "how", "when", "who", "will", "would", "not", "please", "just", "now", "so",
        "about", "from",
    }
)  # fmt: skip
# Issue 28: the same concepts in Welsh, accents folded as the matcher folds them, with the
# mutated forms people write ("fy ngoruchwyliaeth", "i'w lofnodi", "hoffwn drefnu").
WELSH_CONCEPTS = {
    "#sup": "goruchwyliaeth oruchwyliaeth ngoruchwyliaeth goruchwylio oruchwylio sesiwn 1:1",
    "#cancel": "canslo ganslo nghanslo dileu",
    "#move": "aildrefnu symud newid gohirio",
    "#book": "trefnu drefnu nhrefnu archebu harchebu dyddiadur gosod",
    "#write": "cofnodi gofnodi nghofnodi cofnod gofnod nghofnod ysgrifennu sgwennu nodiadau "
    "cwblhau teipio",
    "#sign": "llofnodi lofnodi llofnod arwyddo cadarnhau gadarnhau cymeradwyo gymeradwyo",
    "#leave": "absenoldeb gwyliau salwch sal",
    "#decide": "penderfyniad benderfyniad mhenderfyniad penderfynu rhesymeg",
    "#load": "llwyth achosion achos sgor pwyntiau band capasiti terfyn nherfyn blant plant llawn",
    "#team": "tim nhim",
    "#view": "darllen gweld dangos",
    "#help": "cymorth help helpu helpwch dewislen gorchmynion opsiynau",
    "#hello": "helo shwmae su'mae bore prynhawn",
    "#thanks": "diolch",
    "#date": "heddiw yfory dydd llun mawrth mercher iau gwener wythnos mis",
}
CONCEPTS = {
    name: words | frozenset(WELSH_CONCEPTS.get(name, "").split())
    for name, words in CONCEPTS.items()
}
STOPWORDS = STOPWORDS | frozenset(
    [
        "y",
        "yr",
        "fy",
        "dy",
        "yw",
        "mae",
        "sydd",
        "oes",
        "gen",
        "gyda",
        "yn",
        "ydw",
        "ydy",
        "sut",
        "pa",
        "pwy",
        "ar",
        "am",
        "i",
        "o",
        "ei",
        "eu",
    ]
)
CONCEPT_OF: dict[str, tuple[str, ...]] = {}
for _concept, _words in CONCEPTS.items():
    for _word in _words:
        CONCEPT_OF[_word] = (*CONCEPT_OF.get(_word, ()), _concept)

# A writing conversation is started only when the message says what is to be written.
# Each entry is a list of alternatives; an alternative is the concepts that must all be present.
REQUIRED: dict[str, tuple[frozenset[str], ...]] = {
    name: tuple(frozenset(alternative.split()) for alternative in alternatives)
    for name, alternatives in {
        "book": ("#book", "#put #sup"),
        "rearrange": ("#move", "#cancel #sup", "#cancel #date", "#not #sup #date"),
        "cancel": ("#cancel #sup", "#cancel #date"),
        "record": ("#write",),
        "sign": ("#sign",),
        "decision": ("#decide", "#case"),
        "informal": ("#chat",),
        "absence": ("#leave",),
        "overcap": ("#overcap", "#decide cap", "#write cap", "#sign cap", "allocation cap"),
        "element": ("#element",),
        "course": ("#course",),
        # Not a write, but a manager's view of other people: it needs a word of the team.
        "compliance": ("#comply", "#team"),
    }.items()
}


def allowed(conversation: str, present: set[str]) -> bool:
    """Whether the message says enough for this conversation (any conversation that writes
    nothing is always allowed)."""
    alternatives = REQUIRED.get(conversation)
    return alternatives is None or any(a <= present for a in alternatives)


def concepts(tokens: list[str]) -> list[str]:
    """The concepts of each word and of each pair of words ("call off", "set up")."""
    pairs = [f"{a}_{b}" for a, b in pairwise(tokens)]
    return [c for t in (*tokens, *pairs) for c in CONCEPT_OF.get(t, ())]
