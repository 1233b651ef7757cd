"""The built-in rule classifier: one intent per inbound message, in the contract's
precedence (opt_out, opt_in, not_interested, booked, specific_time, busy, other).

Pure and fast (regexes compiled once): no ORM, no clock, no I/O. The message is
normalised first (lower case, apostrophes dropped: "i'm" -> "im", "can't" -> "cant",
emojis removed), so every pattern below is written without apostrophes.
"""

import re

from conversations.classifier.types import Classification, ClassifyInput, HistoryItem, Intent
from scheduling.rules.requested_time import Resolution, find_requested_time, normalize_text

# --- Carrier keywords: the whole message, any case, surrounding punctuation ignored -----

_OPT_OUT_WORDS = frozenset({"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout",
                            "revoke"})
_OPT_IN_WORDS = frozenset({"start", "unstop"})
_EDGES = re.compile(r"^[\W_]+|[\W_]+$")


def _keyword(text: str) -> str:
    return _EDGES.sub("", text).lower()


# --- not_interested -------------------------------------------------------------------


def _at_word_start(*alternatives: str) -> re.Pattern:
    """One regex for many phrases, each starting at a word boundary. Writing the `\\b` once,
    in front, lets the engine skip most phrases by their first letter: several times faster
    than a `\\b` inside each alternative."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")")


_CONTACT_VERB = (r"(?:text|txt|message|msg|call|ring|phone|contact|email|e-mail|bother|bug|"
                 r"spam|harass|ping|reach\s+out\s+to|hit\s+up|dm|write|send\s+me)")
_THANKS = r"(?:thanks|thank\s+you|thank\s+u|thx|ty|tks)"
_NOT_INTERESTED = _at_word_start(
    r"not\s+(?:\w+\s+){0,2}(?:interested|intrested|intersted|interessted|interestd|intereted)\b",
    r"(?:un|dis)interested\b",
    r"(?:no|lost|lost\s+all|lost\s+my)\s+interest\b",
    # "stop texting me", "quit calling", "no more messages"
    r"(?:stop|quit|cease|enough)\s+(?:\w+\s+)?(?:texting|txting|messaging|msging|calling|"
    r"contacting|emailing|spamming|bothering|harassing|sending|bugging|pestering|hitting\s+me|"
    r"reaching\s+out|following\s+up|writing|pinging|dming)\b",
    r"no\s+more\s+(?:texts|messages|msgs|calls|emails|contact)\b",
    r"(?:please|pls|plz|i\s+said)\s+stop\b(?!\s+(?:by|in|over|at|off))",
    # "don't text me again." (not "don't call me, text me instead")
    r"(?:dont|do\s+not|never|pls\s+dont|please\s+dont)\s+(?:ever\s+)?" + _CONTACT_VERB
    + r"\s+(?:me|us|this\s+number)\b(?:\s+(?:ever|again|anymore|any\s+more|no\s+more|please|"
    r"pls|thanks|thx|ever\s+again))*\s*(?:[.!]|$)",
    r"(?:do\s+not|dont)\s+contact\b",
    r"(?:remove|delete|erase)\s+(?:me|my\s+(?:number|info|information|contact|details|data|name|"
    r"email|phone))\b",
    r"(?:take|get)\s+(?:me|my\s+(?:number|name|email|phone|info))\s+off\b",
    r"lose\s+my\s+(?:number|contact)\b",
    r"(?:unsubscribe|opt)\s+me\b", r"opt(?:ing)?[\s-]?out\b", r"unsubscribe\b",
    r"wrong\s+(?:number|num|no|person|contact|guy|girl|lady)\b", r"wrong\s*#",
    r"you\s+have\s+the\s+wrong\b", r"not\s+the\s+right\s+(?:person|number)\b",
    r"never\s+(?:signed\s+up|asked|requested|opted\s+in|gave\s+you)\b",
    r"didnt\s+(?:sign\s+up|ask\s+for|request|opt\s+in)\b",
    r"leave\s+me\s+(?:alone|be)\b", r"go\s+away\b", r"get\s+lost\b", r"back\s+off\b",
    r"(?:f+\W*(?:u+c+k+)?|piss|screw|bugger|buzz|sod)\s+off\b", r"fuck\s+(?:you|u|off)\b",
    r"stfu\b",
    r"this\s+is\s+(?:spam|a\s+scam|harassment)\b", r"spam(?:mer|ming)?\b", r"scam(?:mer)?\b",
    r"(?:report(?:ing)?|block(?:ing|ed)?)\s+(?:you|this|your|u)\b",
    r"(?:no|nah|nope)[\s,.!]+" + _THANKS + r"\W*$",
    r"not\s+(?:looking|in\s+the\s+market|shopping|buying)\b",
    r"no\s+longer\s+(?:need|needed|looking|want|require|interested|required)\b",
    r"not\s+really\s+interested\b",
    r"(?:dont|do\s+not)\s+(?:need|want)\s+(?:it|this|that|any|anything|your|the|you|"
    r"to\s+(?:buy|book|continue|proceed|sign\s+up|be\s+contacted))\b",
    r"not\s+needed\b", r"no\s+need\b(?!\s+to\s+(?:rush|worry|hurry|apologi[sz]e))",
    r"(?:went|going|gone|decided\s+to\s+go|chose|chosen|picked|signed|sticking|stuck|staying)"
    r"\s+with\s+(?:another|a\s+different|someone|somebody|other|a\s+competitor|competitor|"
    r"the\s+other|a\s+cheaper|my\s+(?:current|own|usual)|our\s+(?:current|own|usual))\b",
    r"found\s+(?:someone|somebody|another|a\s+different|a\s+cheaper|a\s+better)\b",
    # "already have a dentist", but "already have an appointment" is booked
    r"already\s+(?:have|got|use|using|found|hired|went\s+with|chose|picked|signed\s+with|"
    r"work\s+with|working\s+with)\s+(?!an?\s+(?:appointment|appt|booking|reservation|slot|time|"
    r"spot|session)\b)(?!(?:my|the|our)\s+(?:appointment|appt|booking|reservation)\b)"
    r"(?:a|an|another|my|our|someone|somebody|one|other|a\s+different)\b",
    r"changed\s+(?:my|our)\s+mind\b", r"decided\s+(?:not\s+to|against)\b",
    r"(?:not|wont\s+be)\s+(?:going\s+(?:ahead|forward)|proceeding|moving\s+forward)\b",
    r"(?:ill|i\s+will|im\s+gonna|gonna|going\s+to|i|we|well|hard|ill\s+have\s+to)\s+pass\b",
    r"not\s+(?:for\s+(?:me|us)|my\s+thing|what\s+(?:im|i\s+am|were)\s+looking)\b",
    r"not\s+anymore\b", r"i\s+said\s+no\b",
)
# Phrases that decline only as the whole message: "stop please", "no thanks", "I'm good".
_NOT_INTERESTED_WHOLE = re.compile(
    r"^\W*(?:(?:please|pls|plz|just|ok|okay|now|i\s+said|seriously)\s+)*stop(?:\s+(?:please|pls|"
    r"plz|it|now|already|thanks|thank\s+you|thx|all|this|that|them|these|asap|immediately))*\W*$"
    r"|^\W*(?:no|nah|nope)\W*" + _THANKS + r"\b"
    r"|^\W*(?:no|nah|nope)?[\s,.!]*(?:im|i\s+am|were|we\s+are)\s+(?:good|ok|okay|fine|all\s+good)"
    r"(?:[\s,.!]+(?:" + _THANKS + r"|for\s+now|though|tho))*\W*$"
    r"|^\W*pass\W*$"
)

# --- booked -----------------------------------------------------------------------------

_BOOK_VERB = r"(?:booked|scheduled|reserved|rebooked|rescheduled|registered|signed\s+up)\b"
# "booked up", "booked solid", "booked all day" say busy, not booked.
_NOT_BOOKED_UP = r"(?!\s+(?:up|solid|out)\b|\s+(?:all\s+)?(?:day|week)\b|\s+till|\s+until)"
_BOOKED = _at_word_start(
    # a subject then the verb: "I booked", "ok booked it", "just scheduled it"
    r"(?:i|we|ive|weve|i\s+have|we\s+have|just|already|finally|also|ok|okay|k|yes|yep|yup|yeah|"
    r"all|done|so|and|now|im|were|i\s+am|we\s+are|got\s+it|i\s+went\s+ahead\s+and|"
    r"went\s+ahead\s+and)\s+(?:(?:just|already|finally|also|now|went\s+ahead\s+and|"
    r"successfully|all)\s+)*" + _BOOK_VERB + _NOT_BOOKED_UP,
    r"(?:appointment|appt|booking|reservation|slot|spot|consult|consultation|visit)\s+"
    r"(?:is\s+|has\s+been\s+|was\s+|been\s+|now\s+|all\s+)?(?:booked|scheduled|confirmed|"
    r"reserved|made|set)\b",
    r"(?:its|it\s+is|thats|that\s+is|it\s+was|all)\s+(?:now\s+)?(?:booked|scheduled|reserved)\b",
    r"(?:made|set\s+up|got|grabbed|confirmed|locked\s+in|secured)\s+(?:an|the|my|a|our)\s+"
    r"(?:appointment|appt|booking|reservation|slot|spot)\b(?!\s+(?:available|open))",
    r"(?:picked|chose|selected)\s+(?:a|the)\s+(?:time|slot|date)\b",
)
# The verb opening the message or a sentence: "Booked it!", "Thanks. Scheduled for Tuesday".
_BOOKED_OPENING = re.compile(r"(?:^|[.!?,;]\s*)\W*" + _BOOK_VERB + _NOT_BOOKED_UP)
# "have an appointment" is booked only after "already" ("I already have an appointment"):
# otherwise it is usually elsewhere ("I have a dentist appointment at 3").
_ALREADY_HAVE = re.compile(r"\balready\s+(?:have|got)\s+(?:an|the|my|a|our)\s+"
                           r"(?:appointment|appt|booking|reservation|slot|spot)\b")
# Denials and questions around a booking verb: "haven't booked yet", "did you book me?".
_NOT_BOOKED = _at_word_start(
    r"(?:not|havent|hasnt|didnt|dont|never|yet\s+to|cant|couldnt|wasnt|isnt|unable|"
    r"trying|try|want|wanna|need|would|like|how|where|when|can|could|should|if|whether|"
    r"will|gonna|going\s+to|did\s+you|have\s+you|has\s+anyone|is\s+it|was\s+it|do\s+i|"
    r"am\s+i|are\s+you|is\s+my|was\s+my|help)\b[^.!?]*$"
)
_SHORT_CONFIRM_CORE = frozenset({"done", "did", "finished", "complete", "completed", "submitted",
                                 "sorted", "booked", "scheduled", "set", "signed", "registered"})
_SHORT_CONFIRM_WORDS = _SHORT_CONFIRM_CORE | frozenset({
    "all", "just", "i", "it", "its", "ok", "okay", "k", "kk", "yes", "yep", "yup", "yeah", "ya",
    "thanks", "thank", "you", "thx", "ty", "now", "already", "im", "got", "that", "there", "we",
    "were", "go", "have", "ive", "is", "and", "the", "form", "finally", "sure", "up", "filled",
    "out", "taken", "care", "of", "good", "so", "perfect", "great", "cool", "one", "this",
})
# A link whose address says book, schedule or calendar (facebook.com is not a booking link).
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*", re.IGNORECASE)
_BOOKING_URL = re.compile(r"book|schedul|calendar|calendly", re.IGNORECASE)

# --- specific_time: when a time found in the message is a request ----------------------

# Mentions of a time that are about booking or the business, not about being contacted.
_NOT_A_CONTACT_REQUEST = _at_word_start(
    r"(?:book|booking|reserve|reservation|appointment|appt|appointments|slot|slots|opening|"
    r"openings|availability|closed|closing|visit|bring|cost|price|prices|deliver|delivery|ship|"
    r"shipping|arrive|pickup|cya|available)\b",
    r"what\s+times?\s+(?:are|is|do|does|can|could|would)\b",
    r"(?:your|opening|business|office|store|shop|clinic)\s+hours\b", r"hours\s+of\s+operation\b",
    r"(?:are|r)\s+(?:you|u|ya)\s+(?:guys\s+)?(?:open|available|free)\b",
    r"(?:do|does|will|when\s+do)\s+(?:you|u|ya)\s+(?:guys\s+)?(?:open|close)\b",
    r"(?:you|u|ya)\s+(?:guys\s+)?open\b",
    r"(?:come|stop|drop|pop)\s+(?:in|by|off)\b", r"pick\s+up\b", r"see\s+(?:you|ya)\b",
    r"do\s+you\s+have\b", r"have\s+you\s+got\b", r"anything\s+available\b",
    r"any\s+(?:time|times|spots|availability)\b", r"(?:thanks|thank\s+you)\s+for\b",
    r"schedule\s+(?:me|an?|for|it)\b",
)
_CONTACT_REQUEST = _at_word_start(
    r"(?:call|text|txt|message|msg|ping|reach|contact|hmu|followup|talk|chat|speak|email|e-mail|"
    r"ring|dm|remind|reconnect|holler|phone|reply|respond|works|better|free)\b",
    r"(?:hit|buzz)\s+me\b", r"get\s+(?:back|in\s+touch|ahold|a\s+hold)\b", r"follow\s+up\b",
    r"try\s+(?:me|again)\b", r"catch\s+up\b", r"circle\s+back\b", r"touch\s+base\b",
    r"check\s+(?:in|back)\b", r"hear\s+from\b", r"(?:work|good)\s+for\s+(?:me|us)\b",
    r"(?:im|i\s+am|ill\s+be)\s+available\b", r"available\s+(?:after|from|at|on|in)\b",
    r"schedule\s+a\s+(?:call|chat|time\s+to\s+talk)\b",
)

# --- busy ---------------------------------------------------------------------------------

_BUSY = _at_word_start(
    r"(?:busy|bizzy|buzy|swamped|slammed|occupied|hectic|ooo|traveling|travelling|abroad|sick|"
    r"unwell|emergency|unavailable|driving|drivin|working|sleeping|asleep|napping|eating|cooking|"
    r"showering|ttyl|ttys|tty|brb|gtg|g2g|l8r|l8er|laters|later|shortly)\b",
    r"(?:tied\s+up|back\s+to\s+back|fully\s+booked|packed\s+day|crazy\s+(?:day|week|busy))\b",
    r"booked\s+(?:up|solid|out)\b",
    # "in a meeting", "at work", "on a call", "have class"
    r"(?:in|into|at|on|heading\s+into|going\s+into|about\s+to\s+(?:go\s+into|start)|have|"
    r"having|between)\s+(?:a\s+|the\s+|my\s+|another\s+)?(?:meeting|meetings|mtg|conference|"
    r"class|lecture|session|interview|exam|surgery|church|service|shift|work|office|gym|"
    r"hospital|doctor|doctors|dentist|dentists|airport|plane|flight|funeral|wedding|dinner|"
    r"lunch|movie|movies|school|court|training|call|zoom|phone|practice|game)\b"
    r"(?!\s+(?:time|times|number|hours|menu)\b)",
    r"(?:meeting|mtg)\s+(?:rn|now|right\s+now|atm)\b",
    r"(?:on\s+the\s+road|in\s+traffic|behind\s+the\s+wheel|in\s+the\s+car|on\s+shift|"
    r"on\s+the\s+clock|at\s+my\s+job|in\s+bed|in\s+the\s+shower|lunch\s+break|"
    r"out\s+(?:to|for)\s+lunch|on\s+(?:my\s+)?lunch|on\s+(?:a\s+|my\s+)?break)\b",
    r"with\s+(?:a\s+|my\s+)?(?:patient|patients|client|clients|customer|customers|kids|"
    r"family|student|students|someone|baby|boss|friends)\b",
    r"(?:cant|cannot|can\s+not|unable\s+to|not\s+able\s+to|couldnt)\s+(?:really\s+)?"
    r"(?:talk|text|chat|speak|answer|respond|reply|do\s+(?:this|it|that)|right\s+now|rn|now|"
    r"at\s+the\s+moment|atm|be\s+on\s+the\s+phone|take\s+(?:calls|this|it)|pick\s+up|"
    r"get\s+to|focus|deal)\b",
    r"not\s+(?:a\s+|the\s+)?(?:good|great|convenient|best|ideal|right)\s+time\b",
    r"bad\s+time\b", r"not\s+(?:now|right\s+now|rn|at\s+the\s+moment|atm|today|tonight|yet|"
    r"this\s+week|available|free|a\s+good\s+(?:day|week)|feeling\s+well)\b",
    r"now\s+(?:isnt|is\s+not|aint)\b", r"nows\s+not\b",
    r"(?:talk|speak|chat|text|catch\s+up)\s+(?:to\s+(?:you|u)\s+|with\s+(?:you|u)\s+)?"
    r"(?:soon|another\s+time|some\s+other\s+time)\b",
    r"(?:some\s+other|another|other|a\s+different|different)\s+(?:time|day)\b",
    r"in\s+a\s+(?:bit|while|sec|second|moment|mo|jiffy)\b",
    r"(?<!as\s)soon\b",  # "talk soon", not "as soon as possible"
    r"(?:got(?:ta)?|have\s+to|need\s+to|must|gonna|going\s+to)\s+(?:go|run|jump|dash|bounce)\b",
    r"(?:call|text|get\s+back\s+to|hit|ring|message|reply\s+to|respond\s+to)\s+(?:you|u|ya)"
    r"\s+back\b",
    r"get\s+back\s+to\s+(?:you|u|ya)\b", r"call\s+me\s+back\b",
    r"(?:reply|respond|answer)\s+(?:when|once|as\s+soon)\b",
    r"(?:hold\s+on|hang\s+on|one\s+sec|1\s+sec|a\s+sec|one\s+moment|a\s+moment|one\s+min)\b",
    r"(?:give\s+me|gimme|just)\s+a\s+(?:sec|second|moment|min|minute|bit)\b",
    r"(?:on\s+(?:vacation|holiday|leave|pto)|out\s+of\s+town|out\s+of\s+(?:the\s+)?office)\b",
    r"(?<!right\s)(?<!straight\s)away\b",  # "away this week", not "right away"
    r"in\s+the\s+middle\s+of\b", r"im\s+not\s+(?:available|free)\b",
    r"(?:doctor|dentist|doctors|dentists|medical|hair|vet)\s+(?:appointment|appt)\b",
    r"maybe\s+(?:later|another|some)\b",
    # unresolvable "when": "sometime this week", "call me this week"
    r"(?:sometime|some\s+time|anytime|any\s+time)\s+(?:this|today|soon)\b",
    r"(?:this|later\s+this|later\s+in\s+the)\s+(?:week|month)\b",
)

# --- history ------------------------------------------------------------------------------

_AGREE_CORE = frozenset({
    "yes", "yess", "yesss", "yeah", "yea", "yah", "ya", "yep", "yup", "sure", "ok", "okay",
    "okey", "okk", "k", "kk", "alright", "alrighty", "fine", "good", "great", "perfect", "cool",
    "awesome", "works", "absolutely", "definitely", "certainly", "deal", "sounds", "agreed",
    "lovely", "brilliant", "excellent", "ideal", "correct", "aye", "course", "confirmed",
    "gladly", "please", "yas", "ye",
})
_AGREE_WORDS = _AGREE_CORE | frozenset({
    "that", "thats", "it", "its", "this", "work", "for", "me", "us", "sound", "then", "see",
    "you", "u", "talk", "call", "text", "message", "pls", "plz", "thanks", "thank", "thx",
    "ty", "cheers", "time", "at", "do", "go", "ahead", "lets", "of", "thing", "by", "with", "is",
    "would", "be", "will", "ill", "there", "just", "totally", "i", "can", "confirm", "all",
    "really", "very", "so", "sounds", "talk", "speak", "chat", "to", "then", "a", "plan", "yes",
    "and", "we", "well", "oh", "ah", "super", "too", "also",
})
# An outbound asking when: "What time works?", "When is good for you?".
_ASKS_WHEN = re.compile(
    r"\b(?:when|what\s+time|which\s+time|what\s+day|which\s+day|what\s+days|what\s+times|"
    r"good\s+time|best\s+time|better\s+time|convenient\s+time|time\s+(?:works|that\s+works|"
    r"would\s+work|is\s+(?:good|best|better))|day\s+works|works\s+(?:best|better)\s+for\s+you|"
    r"are\s+you\s+(?:free|available)|your\s+availability|free\s+to\s+(?:talk|chat))\b"
)
# An outbound proposing a time asks something or offers contact.
_PROPOSES = re.compile(
    r"\?|\b(?:how\s+about|would|does|shall|should|can\s+(?:i|we)|could\s+(?:i|we)|let\s+me\s+know|"
    r"call|text|reach|follow|ping|talk|chat|message|contact|check\s+in|touch\s+base|"
    r"works?\s+for\s+you|ok\s+for\s+you|okay\s+for\s+you)\b"
)
_WORDS = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_GRATITUDE_OR_PAST = re.compile(
    r"\b(?:thanks|thank|was|were|did|had|called|came|went|yesterday|last|ago|earlier)\b")


def classify_rules(inp: ClassifyInput) -> Classification:
    """The contract's intent for `inp.text`, reading `inp.history` where the rules say so."""
    keyword = _keyword(inp.text)
    if keyword in _OPT_OUT_WORDS:
        return Classification(Intent.OPT_OUT)
    if keyword in _OPT_IN_WORDS:
        return Classification(Intent.OPT_IN)

    text = normalize_text(inp.text)
    if _NOT_INTERESTED.search(text) or _NOT_INTERESTED_WHOLE.search(text):
        return Classification(Intent.NOT_INTERESTED)

    last_out = _last_outbound(inp.history)
    if _says_booked(text) or (_is_short_confirmation(text) and last_out is not None
                              and _has_booking_link(last_out, inp.booking_link)):
        return Classification(Intent.BOOKED)

    out = normalize_text(last_out) if last_out is not None else ""
    proposed = _PROPOSES.search(out) and find_requested_time(out, inp.now, inp.tz)
    # Answering "What time works?" (or a proposed time), a lone "3" is an hour.
    answering_when = bool(_ASKS_WHEN.search(out)) or bool(proposed)
    found = find_requested_time(text, inp.now, inp.tz, bare_hours=answering_when)
    if found is not None and not found.past and (answering_when or _is_contact_request(text)):
        return _specific(found)

    # Agreeing to a time the last outbound proposed: that time, as if the contact said it.
    if found is None and proposed and _is_agreement(text):
        return _specific(proposed) if not proposed.past else Classification(Intent.BUSY)

    if _BUSY.search(text):
        return Classification(Intent.BUSY)
    # A time already gone is not a request; asking for contact then still means "not now".
    if found is not None and found.past and _asks_for_contact(text):
        return Classification(Intent.BUSY)
    return Classification(Intent.OTHER)


def _specific(found: Resolution) -> Classification:
    return Classification(Intent.SPECIFIC_TIME, follow_up_at=found.when)


def _last_outbound(history: tuple[HistoryItem, ...]) -> str | None:
    for item in reversed(history):
        if item.direction == "outbound":
            return item.text
    return None


def _says_booked(text: str) -> bool:
    for m in (*_BOOKED.finditer(text), *_BOOKED_OPENING.finditer(text)):
        # Look back within the clause for a denial or a question ("did you book me?").
        if not _NOT_BOOKED.search(text[max(0, m.start() - 30):m.start() + 1]):
            return True
    return bool(_ALREADY_HAVE.search(text))


def _is_short_confirmation(text: str) -> bool:
    words = _WORDS.findall(text)
    return 0 < len(words) <= 8 and set(words) <= _SHORT_CONFIRM_WORDS \
        and not _SHORT_CONFIRM_CORE.isdisjoint(words)


def _has_booking_link(outbound: str, booking_link: str) -> bool:
    link = booking_link.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if link and link in outbound.lower():
        return True
    return any(_BOOKING_URL.search(url.lower().replace("facebook", ""))
               for url in _URL.findall(outbound))


def _is_agreement(text: str) -> bool:
    if _DIGIT.search(text):
        return False  # "4 works" proposes another time
    words = _WORDS.findall(text)
    return 0 < len(words) <= 10 and set(words) <= _AGREE_WORDS and not _AGREE_CORE.isdisjoint(words)


def _is_contact_request(text: str) -> bool:
    """A future time in the message is a request unless it is about booking or the business
    ("Can I book for tomorrow?", "are you open saturday?") with no word about contact."""
    return not _NOT_A_CONTACT_REQUEST.search(text) or bool(_CONTACT_REQUEST.search(text))


def _asks_for_contact(text: str) -> bool:
    if _CONTACT_REQUEST.search(text):
        return True
    # A bare time ("March 1, 2026"), not a thank-you or a story about the past.
    return len(_WORDS.findall(text)) <= 5 and not _GRATITUDE_OR_PAST.search(text) \
        and not _NOT_A_CONTACT_REQUEST.search(text)
