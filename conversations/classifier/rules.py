"""The built-in rule classifier: one intent per inbound message, in the contract's
precedence (opt_out, opt_in, not_interested, booked, specific_time, busy, other).

Pure and fast (regexes compiled once): no ORM, no clock, no I/O. The message is
normalised first (lower case, apostrophes dropped: "i'm" -> "im", "can't" -> "cant",
emojis removed), so every pattern below is written without apostrophes. Opt-out phrases
are read with accents removed too ("no me escribas más" -> "no me escribas mas").
"""

import re
import unicodedata

from conversations.classifier import time_phrases as P
from conversations.classifier.requested_time import Resolution, find_requested_time, normalize_text
from conversations.classifier.types import Classification, ClassifyInput, HistoryItem
from vocabulary import Intent

# --- Keywords: the whole message, compared as `keyword_form` -----------------------------

_OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "optout", "revoke", "alto", "baja", "nomas"}
)
_OPT_IN_WORDS = frozenset({"start", "unstop"})


def fold(text: str) -> str:
    """NFKC, case folded, accents removed: "ｓｔｏｐ" -> "stop", "Más" -> "mas"."""
    s = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def keyword_form(text: str) -> str:
    """The message as the contract compares keywords: folded, and every character that is
    not a letter gone ("S.T.O.P", "STOP 🙏", "STOP 2" -> "stop"; "No más" -> "nomas")."""
    return "".join(c for c in fold(text) if c.isalpha())


def _at_word_start(*alternatives: str) -> re.Pattern:
    """One regex for many phrases, each starting at a word boundary. Writing the `\\b` once,
    in front, lets the engine skip most phrases by their first letter: several times faster
    than a `\\b` inside each alternative."""
    return re.compile(r"\b(?:" + "|".join(alternatives) + ")")


# --- opt_out in words ---------------------------------------------------------------------
# Any request to stop contact, or "this number isn't mine". Generous on purpose: consent may
# be revoked in any reasonable words (FCC 24-18) and every text after a revocation can cost
# $500-1,500, while a false opt-out only loses a follow-up. Read on `_plain` text.

_CONTACT_VERB = (
    r"(?:text|txt|message|msg|call|ring|phone|contact|email|e-mail|bother|bug|"
    r"spam|harass|ping|reach\s+out\s+to|hit\s+up|dm|write|send\s+me)"
)
_CONTACT_ING = (
    r"(?:texting|txting|texing|messaging|msging|messageing|calling|contacting|"
    r"emailing|spamming|bothering|harassing|harrassing|sending|bugging|pestering|"
    r"hitting\s+me|reaching\s+out|following\s+up|writing|pinging|dming|ringing|"
    r"phoning|blowing\s+up)"
)
_CONTACT_NOUN = (
    r"(?:texts?|txts?|messages?|msgs?|calls?|e-?mails?|spam|notifications?|"
    r"reminders?|promos?|promotions?|ads|adverts?|marketing|sms|offers|updates)"
)
_AGAIN = r"(?:again|anymore|any\s+more|no\s+more|ever\s+again|further)"
_OPT_OUT = _at_word_start(
    # "stop texting me", "quit calling", "please stop sending these" (not "don't stop")
    r"(?<!dont\s)(?<!cant\s)(?:stop|quit|cease|enough)\s+(?:\w+\s+)?" + _CONTACT_ING + r"\b",
    # "stop the texts", "no more messages", "enough with the calls", "sick of these texts"
    r"(?:stop|quit|enough|no\s+more|done\s+with|sick\s+of|tired\s+of|fed\s+up\s+with)\s+"
    r"(?:with\s+)?(?:(?:the|these|those|your|ur|all|this|any|of)\s+)*" + _CONTACT_NOUN + r"\b",
    r"(?:stop|quit)\s+(?:getting|receiving)\b",
    # "please stop", "i said stop", "can you stop" (not "please stop by", "can you stop in")
    r"(?:please|pls|plz|plse|i\s+said|just|seriously|omg|ffs|(?:can|could|will|would)\s+(?:you|u)|"
    r"(?:you|u)\s+(?:need|have)\s+to|need\s+(?:you|u)\s+to)\s+stop\b"
    r"(?!\s+(?:by|in|into|over|at|off|for|to|and|on|when|if|the|a|an|my)\b)",
    r"stop\s+(?:please|pls|plz|plse)\b",
    r"(?:unsubscribe|unsubscribed|unsubscribing|unsub|unsuscribe|unsubcribe)\b",
    r"opt(?:ing|ed)?[\s-]?out\b",
    r"opt\s+(?:me|us|this\s+number|my\s+number)\s+out\b",
    # "remove me", "take me off your list", "lose my number", "do not call list"
    r"(?:remove|delete|erase|unlist)\s+(?:me|us|this\s+(?:number|phone)|my\s+(?:number|phone|"
    r"info|information|contact|details|data|name|email|cell))\b",
    r"(?:take|get|drop|scratch|cross|kick)\s+(?:me|us|this\s+number|my\s+(?:number|name|email|"
    r"phone|info))\s+off\b",
    r"(?:lose|forget|toss|delete|erase)\s+(?:my|this|our)\s+(?:number|contact|phone|cell)\b",
    r"(?:do\s+not|dont|no)\s+(?:call|contact|text)\s+list\b",
    r"dnc\b",
    # "don't text me again", "do not contact me" (not "don't call me, text me instead")
    r"(?:dont|do\s+not|never|pls\s+dont|please\s+dont|please\s+do\s+not)\s+(?:ever\s+)?"
    + _CONTACT_VERB
    + r"\s+(?:me|us|this\s+number)\b(?=(?:\s+(?:please|pls|plz|thanks|thx|ever|"
    r"ok))*\s*(?:[.!]|$)|\s+(?:ever\s+)?" + _AGAIN + r")",
    r"(?:do\s+not|dont)\s+contact\b",
    r"(?:dont|do\s+not|never)\s+(?:want|wish|need)\s+(?:to\s+(?:be\s+contacted|be\s+texted|"
    r"be\s+called|hear\s+from\s+(?:you|u|ya|this))|(?:to\s+(?:get|receive)\s+)?"
    r"(?:(?:any|anymore|any\s+more|more|these|those|your|ur|the|such|this|of)\s+)*" + _CONTACT_NOUN + r"\b)",
    # "no need to contact me anymore", "no need to follow up." (not "no need to call me back")
    r"(?:no\s+need\s+(?:for\s+(?:you|u)\s+)?to|(?:dont|do\s+not)\s+need\s+to|no\s+reason\s+to)"
    r"\s+(?:keep\s+)?(?:contact|contacting|text|texting|call|calling|message|messaging|msg|email|"
    r"emailing|reach(?:ing)?\s+out(?:\s+to)?|follow(?:ing)?\s+up(?:\s+with)?|write|writing|"
    r"bother|bothering)(?:\s+(?:me|us))?(?=\s*(?:[.!]|$)|\s+" + _AGAIN + r")",
    r"(?:withdraw|withdrawing|withdrawn|revoke|revoking|revoked|withdrawal\s+of|revocation\s+of)"
    r"\s+(?:my\s+|all\s+|our\s+)?consent\b",
    r"(?:done|finished)\s+hearing\s+from\b",
    r"leave\s+(?:me|us)\s+(?:alone|be|in\s+peace)\b",
    r"get\s+lost\b",
    r"back\s+off\b",
    r"(?:f+\W*(?:u+c+k+)?|piss|screw|bugger|buzz|sod)\s+off\b",
    r"fuck\s+(?:you|u|off)\b",
    r"stfu\b",
    r"knock\s+it\s+off\b",
    r"cut\s+it\s+out\b",
    # not their number, never signed up
    r"wrong\s+(?:number|num|no|nr|person|contact|guy|girl|lady|man|woman|phone|people)\b",
    r"wrong\s*#",
    r"(?:you\s+have|youve\s+got|you\s+got|u\s+have|you\s+texted|you\s+reached|"
    r"you\s+messaged)\s+the\s+wrong\b",
    r"not\s+the\s+right\s+(?:person|number|guy|girl|contact)\b",
    r"(?:is\s+not|isnt|not)\s+my\s+(?:number|phone|name|cell)\b",
    r"(?:no|nobody|no\s+one|noone)\s+(?:here\s+)?(?:by|named|called|with)\s+(?:that|this)\s+name\b",
    r"never\s+(?:signed\s+up|subscribed|opted\s+in|gave\s+(?:you|u|my|this|out)|consented|"
    r"registered|asked\s+(?:for|to\s+be|you)|requested)\b",
    r"didnt\s+(?:sign\s+up|subscribe|opt\s+in|give\s+(?:you|u|my)|consent|register|ask\s+for|"
    r"ask\s+to\s+be|request)\b",
    r"(?:how|where|who)\s+(?:did|do)\s+(?:you|u)\s+(?:get|find|have)\s+(?:my|this)\s+(?:number|"
    r"phone|info|contact|cell)\b",
    r"who\s+gave\s+(?:you|u)\s+(?:my|this)\s+(?:number|phone|info)\b",
    # spam, scam, harassment, "I'll report you" (not "check your spam folder")
    r"(?<!my\s)(?<!your\s)(?<!ur\s)(?<!the\s)(?<!in\s)(?<!to\s)(?<!junk\s)"
    r"spam(?:mer|mers|ming|my|s)?\b(?!\s+(?:folder|filter|box|mail|email))",
    r"scam(?:mer|mers|ming|s)?\b",
    r"harass(?:ing|ment|ed)?\b",
    r"(?:report(?:ing)?|block(?:ing|ed)?)\s+(?:you|u|ya|this\s+number|your\s+number|this\s+as|"
    r"you\s+guys|this\s+spam)\b",
    r"(?:ill|i\s+will|im\s+gonna|gonna|going\s+to|about\s+to)\s+"
    r"(?:report|block)\s*(?:[.!]|$)",
    # Spanish, accents removed: "no me escribas mas", "dejame en paz", "numero equivocado"
    r"no\s+(?:me\s+|nos\s+)?(?:vuelvas?\s+a\s+|vuelvan\s+a\s+)?(?:escribas|escriban|escriba|"
    r"escribir|mandes|manden|mande|mandar|envies|envien|envie|enviar|llames|llamen|llame|llamar|"
    r"contactes|contacten|contacte|contactar|molestes|molesten|moleste|molestar|textees|texteen)\b",
    r"(?:deja|dejen|deje|dejad|para|paren|pare|parad)\s+de\s+(?:escribir|mandar|enviar|llamar|"
    r"molestar|contactar|textear)",
    r"(?:deja|dejen|deje|dejad)(?:me|nos)\s+(?:en\s+paz|tranquil[oa]s?)\b",
    r"(?:numero|persona)\s+equivocad[oa]\b",
    r"(?:darme|dame|denme|deme|dar|me\s+doy)\s+de\s+baja\b",
    r"(?:borr|elimin|quit|sac)\w*\s+de\s+(?:la|su|tu|esta|sus|tus|vuestra)\s+(?:\w+\s+)?"
    r"(?:lista|listas|base)\b",
    r"no\s+(?:quiero|deseo)\s+(?:recibir\s+)?(?:mas\s+)?(?:mensajes|textos|llamadas|correos|sms)\b",
    r"(?:no\s+mas|basta\s+de)\s+(?:mensajes|textos|llamadas|correos|sms|spam)\b",
    r"(?:nunca|no)\s+me\s+(?:suscribi|registre|inscribi|apunte)\b",
    r"cancelar\s+(?:la\s+|mi\s+)?suscripcion\b",
    r"desuscrib\w*",
)
# "go away", "quit it" opening a sentence (not "we go away for the weekend").
# Bounded repeats keep a long run of punctuation linear.
_OPT_OUT_OPENING = re.compile(
    r"(?:^|(?<=[.!?,;:]))\W{0,4}(?:(?:please|pls|plz|just|now|so|ok|okay|oh|and|omg|seriously)"
    r"\s+){0,4}"
    r"(?:go\s+away\b(?!\s+(?:for|on|to|this|next|until|till|in|at|from)\b)|quit\s+it\b)"
)
# A keyword shouted inside a sentence: "STOP I'm not interested", "ok STOP" (not all caps).
_SHOUTED = re.compile(
    r"(?<![^\W\d_])(?:STOP|STOPALL|UNSUBSCRIBE|OPTOUT|OPT OUT|REVOKE)(?![^\W\d_])"
    r"(?!\s+(?:BY|IN|OVER|AT|by|in|over|at)\b)"
)
_HAS_LOWER = re.compile(r"[a-z]")
_APOSTROPHE = re.compile(r"[\u2018\u2019\u02bc`\u00b4']")
# Cancel, end and quit also name everyday acts ("ok cancel", "I quit"), so they need more
# than the other keywords to count inside a longer message (see `_pressed_keyword`).
_WEAK_KEYS = frozenset({"cancel", "end", "quit"})
_STRONG_KEYS = _OPT_OUT_WORDS - _WEAK_KEYS
_URGING = frozenset(
    {
        "please",
        "pls",
        "plz",
        "plse",
        "pleas",
        "plez",
        "now",
        "already",
        "asap",
        "immediately",
        "right",
        "seriously",
        "again",
        "for",
        "good",
        "real",
        "ever",
        "forever",
        "permanently",
        "por",
        "favor",
        "ya",
    }
)
_PRESSING = _URGING | frozenset(
    {
        "just",
        "ok",
        "okay",
        "thanks",
        "thank",
        "you",
        "u",
        "thx",
        "ty",
        "no",
        "nope",
        "nah",
        "omg",
        "ffs",
        "god",
        "damn",
        "dammit",
        "man",
        "dude",
        "bro",
        "lol",
        "i",
        "said",
        "yes",
        "yeah",
        "kindly",
        "oh",
        "so",
        "hey",
        "hi",
        "hello",
        "gracias",
        "it",
        "this",
        "that",
        "them",
        "these",
        "those",
        "all",
        "everything",
        "sir",
        "maam",
    }
)
_KEY_PHRASES = (
    (re.compile(r"\bopt\s*-?\s*out\b"), "optout"),
    (re.compile(r"\bno\s+mas\b"), "nomas"),
    (re.compile(r"\bstop\s+all\b"), "stopall"),
)
_CLAUSES = re.compile(r"[.!?,;:]+|\s-+\s")


def _plain(text: str) -> str:
    """`normalize_text` after `fold`, lines kept apart: "Déjame en paz" -> "dejame en paz"."""
    return normalize_text(fold(_APOSTROPHE.sub("", text)).replace("\n", ". "))


def _pressed_keyword(clause: str, *, whole: bool) -> bool:
    """A message or sentence made only of keywords and pressing words: "STOP STOP", "stop it
    now", "no thanks. STOP". CANCEL, END or QUIT count when repeated, or urged as the whole
    message ("cancel please"), never beside other words ("ok cancel", "Came up. Cancel.")."""
    for pattern, word in _KEY_PHRASES:
        clause = pattern.sub(word, clause)
    words = _WORDS.findall(clause)
    keys = [w for w in words if w in _OPT_OUT_WORDS]
    rest = set(words) - _OPT_OUT_WORDS
    if not keys or not rest <= _PRESSING:
        return False
    if len(keys) > 1 or not _WEAK_KEYS.issuperset(keys):
        return True
    return whole and bool(rest) and rest <= _URGING


def asks_to_stop(text: str) -> bool:
    """Whether a message that is not a bare keyword withdraws consent (the contract's
    opt_out "in any words")."""
    plain = _plain(text)
    if (
        _OPT_OUT.search(plain)
        or _OPT_OUT_OPENING.search(plain)
        or _pressed_keyword(plain, whole=True)
        or any(_pressed_keyword(c, whole=False) for c in _CLAUSES.split(plain))
    ):
        return True
    nfkc = unicodedata.normalize("NFKC", text)
    if _HAS_LOWER.search(nfkc) and _SHOUTED.search(nfkc):
        return True
    # "not interested stop": a decline with a keyword first or last.
    words = _WORDS.findall(plain)
    return bool(words) and (words[0] in _STRONG_KEYS or words[-1] in _STRONG_KEYS) and _declines(plain)


# --- not_interested -------------------------------------------------------------------

_THANKS = r"(?:thanks|thank\s+you|thank\s+u|thx|ty|tks)"
_NOT_INTERESTED = _at_word_start(
    r"not\s+(?:\w+\s+){0,2}(?:interested|intrested|intersted|interessted|interestd|intereted)\b",
    r"(?:un|dis)interested\b",
    r"(?:no|lost|lost\s+all|lost\s+my)\s+interest\b",
    r"(?:no|nah|nope)[\s,.!]+" + _THANKS + r"\W*$",
    r"not\s+(?:looking|in\s+the\s+market|shopping|buying)\b",
    r"no\s+longer\s+(?:need|needed|looking|want|require|interested|required)\b",
    r"not\s+really\s+interested\b",
    r"(?:dont|do\s+not)\s+(?:need|want)\s+(?:it|this|that|any|anything|your|the|you|"
    r"to\s+(?:buy|book|continue|proceed|sign\s+up))\b",
    r"not\s+needed\b",
    r"no\s+need\b(?!\s+to\s+(?:rush|worry|hurry|apologi[sz]e))",
    r"(?:went|going|gone|decided\s+to\s+go|chose|chosen|picked|signed|sticking|stuck|staying)"
    r"\s+with\s+(?:another|a\s+different|someone|somebody|other|a\s+competitor|competitor|"
    r"the\s+other|a\s+cheaper|my\s+(?:current|own|usual)|our\s+(?:current|own|usual))\b",
    r"found\s+(?:someone|somebody|another|a\s+different|a\s+cheaper|a\s+better)\b",
    # "already have a dentist", but "already have an appointment" is booked
    r"already\s+(?:have|got|use|using|found|hired|went\s+with|chose|picked|signed\s+with|"
    r"work\s+with|working\s+with)\s+(?!an?\s+(?:appointment|appt|booking|reservation|slot|time|"
    r"spot|session)\b)(?!(?:my|the|our)\s+(?:appointment|appt|booking|reservation)\b)"
    r"(?:a|an|another|my|our|someone|somebody|one|other|a\s+different)\b",
    r"changed\s+(?:my|our)\s+mind\b",
    r"decided\s+(?:not\s+to|against)\b",
    r"(?:not|wont\s+be)\s+(?:going\s+(?:ahead|forward)|proceeding|moving\s+forward)\b",
    r"(?:ill|i\s+will|im\s+gonna|gonna|going\s+to|i|we|well|hard|ill\s+have\s+to)\s+pass\b",
    r"not\s+(?:for\s+(?:me|us)|my\s+thing|what\s+(?:im|i\s+am|were)\s+looking)\b",
    r"not\s+anymore\b",
    r"i\s+said\s+no\b",
    # Spanish, accents removed: "no me interesa", "no gracias"
    r"no\s+(?:me|nos)\s+interesa\b",
    r"no\s+estoy\s+interesad[oa]\b",
    r"no[\s,.!]+gracias\W*$",
)
# Phrases that decline only as the whole message: "no thanks", "I'm good".
_NOT_INTERESTED_WHOLE = re.compile(
    r"^\W*(?:no|nah|nope)\W*" + _THANKS + r"\b"
    r"|^\W*(?:(?:no|nah|nope)[\s,.!]*)?(?:im|i\s+am|were|we\s+are)\s+"
    r"(?:good|ok|okay|fine|all\s+good)"
    r"(?:[\s,.!]+(?:" + _THANKS + r"|for\s+now|though|tho))*\W*$"
    r"|^\W*pass\W*$"
)


def _declines(text: str) -> bool:
    return bool(_NOT_INTERESTED.search(text) or _NOT_INTERESTED_WHOLE.search(text))


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
# Bounded repeats keep a long run of punctuation linear.
_BOOKED_OPENING = re.compile(r"(?:^|(?<=[.!?,;]))\W{0,6}" + _BOOK_VERB + _NOT_BOOKED_UP)
# "have an appointment" is booked only after "already" ("I already have an appointment"):
# otherwise it is usually elsewhere ("I have a dentist appointment at 3").
_ALREADY_HAVE = re.compile(
    r"\balready\s+(?:have|got)\s+(?:an|the|my|a|our)\s+"
    r"(?:appointment|appt|booking|reservation|slot|spot)\b"
)
# Denials and questions around a booking verb: "haven't booked yet", "did you book me?".
_NOT_BOOKED = _at_word_start(
    r"(?:not|havent|hasnt|didnt|dont|never|yet\s+to|cant|couldnt|wasnt|isnt|unable|"
    r"trying|try|want|wanna|need|would|like|how|where|when|can|could|should|if|whether|"
    r"will|gonna|going\s+to|did\s+you|have\s+you|has\s+anyone|is\s+it|was\s+it|do\s+i|"
    r"am\s+i|are\s+you|is\s+my|was\s+my|help)\b[^.!?]*$"
)
_SHORT_CONFIRM_CORE = frozenset(
    {
        "done",
        "did",
        "finished",
        "complete",
        "completed",
        "submitted",
        "sorted",
        "booked",
        "scheduled",
        "set",
        "signed",
        "registered",
    }
)
_SHORT_CONFIRM_WORDS = _SHORT_CONFIRM_CORE | frozenset(
    {
        "all",
        "just",
        "i",
        "it",
        "its",
        "ok",
        "okay",
        "k",
        "kk",
        "yes",
        "yep",
        "yup",
        "yeah",
        "ya",
        "thanks",
        "thank",
        "you",
        "thx",
        "ty",
        "now",
        "already",
        "im",
        "got",
        "that",
        "there",
        "we",
        "were",
        "go",
        "have",
        "ive",
        "is",
        "and",
        "the",
        "form",
        "finally",
        "sure",
        "up",
        "filled",
        "out",
        "taken",
        "care",
        "of",
        "good",
        "so",
        "perfect",
        "great",
        "cool",
        "one",
        "this",
    }
)
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
    r"(?:your|opening|business|office|store|shop|clinic)\s+hours\b",
    r"hours\s+of\s+operation\b",
    r"(?:are|r)\s+(?:you|u|ya)\s+(?:guys\s+)?(?:open|available|free)\b",
    r"(?:do|does|will|when\s+do)\s+(?:you|u|ya)\s+(?:guys\s+)?(?:open|close)\b",
    r"(?:you|u|ya)\s+(?:guys\s+)?open\b",
    r"(?:come|stop|drop|pop)\s+(?:in|by|off)\b",
    r"pick\s+up\b",
    r"see\s+(?:you|ya)\b",
    r"do\s+you\s+have\b",
    r"have\s+you\s+got\b",
    r"anything\s+available\b",
    r"any\s+(?:time|times|spots|availability)\b",
    r"(?:thanks|thank\s+you)\s+for\b",
    r"schedule\s+(?:me|an?|for|it)\b",
)
_CONTACT_REQUEST = _at_word_start(
    r"(?:call|text|txt|message|msg|ping|reach|contact|hmu|followup|talk|chat|speak|email|e-mail|"
    r"ring|dm|remind|reconnect|holler|phone|reply|respond|works|better|free)\b",
    r"(?:hit|buzz)\s+me\b",
    r"get\s+(?:back|in\s+touch|ahold|a\s+hold)\b",
    r"follow\s+up\b",
    r"try\s+(?:me|again)\b",
    r"catch\s+up\b",
    r"circle\s+back\b",
    r"touch\s+base\b",
    r"check\s+(?:in|back)\b",
    r"hear\s+from\b",
    r"(?:work|good)\s+for\s+(?:me|us)\b",
    r"(?:im|i\s+am|ill\s+be)\s+available\b",
    r"available\s+(?:after|from|at|on|in)\b",
    r"schedule\s+a\s+(?:call|chat|time\s+to\s+talk)\b",
)

# --- busy ---------------------------------------------------------------------------------

# A negated state is not busy: "I'm not busy, go ahead", "not driving", "isn't working".
_NOT_BEFORE = (
    r"(?<!not\s)(?<!not\stoo\s)(?<!not\sthat\s)(?<!not\sso\s)(?<!not\svery\s)"
    r"(?<!not\sreally\s)(?<!not\seven\s)(?<!no\slonger\s)(?<!never\s)(?<!isnt\s)"
    r"(?<!arent\s)(?<!wasnt\s)(?<!werent\s)(?<!aint\s)(?<!doesnt\s)(?<!dont\s)"
)
# Questions about the business or its availability are not a "when" for the contact:
# "do you have any openings this week?".
_ABOUT_BUSINESS = (
    r"(?!.*\b(?:open|opening|openings|availability|available|slot|slots|spot|spots|"
    r"appointment|appointments|appt|appts|book|booking|come\s+in|stop\s+by|"
    r"drop\s+by|do\s+you\s+have|are\s+(?:you|u)|r\s+u|have\s+you\s+got)\b)"
)
_BUSY = _at_word_start(
    _NOT_BEFORE + r"(?:(?<!you\s)(?<!\bu\s)(?:busy|bizzy|buzy|swamped|slammed|occupied|hectic|"
    r"unavailable)|ooo|traveling|travelling|abroad|sick|unwell|emergency|driving|drivin|"
    r"sleeping|asleep|napping|eating|cooking|showering|ttyl|ttys|tty|brb|gtg|g2g|l8r|l8er|laters|"
    r"later|shortly)\b",
    # "working", not a link or site that is not working ("is it working?")
    _NOT_BEFORE + r"(?<!\bit\s)(?<!\bis\s)(?<!\bits\s)(?<!link\s)(?<!site\s)(?<!page\s)"
    r"(?<!form\s)(?<!\bapp\s)(?<!code\s)working\b",
    r"(?:tied\s+up|back\s+to\s+back|fully\s+booked|packed\s+day|crazy\s+(?:day|week|busy))\b",
    r"booked\s+(?:up|solid|out)\b",
    # "in a meeting", "at work", "on a call", "have class"
    _NOT_BEFORE + r"(?:in|into|at|on|heading\s+into|going\s+into|about\s+to\s+(?:go\s+into|"
    r"start)|have|having|between)\s+(?:a\s+|the\s+|my\s+|another\s+)?(?:meeting|meetings|mtg|conference|"
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
    r"bad\s+time\b",
    r"not\s+(?:now|right\s+now|rn|at\s+the\s+moment|atm|today|tonight|yet|"
    r"this\s+week|available|free|a\s+good\s+(?:day|week)|feeling\s+well)\b",
    r"now\s+(?:isnt|is\s+not|aint)\b",
    r"nows\s+not\b",
    r"(?:talk|speak|chat|text|catch\s+up)\s+(?:to\s+(?:you|u)\s+|with\s+(?:you|u)\s+)?"
    r"(?:soon|another\s+time|some\s+other\s+time)\b",
    r"(?:some\s+other|another|other|a\s+different|different)\s+(?:time|day)\b",
    r"in\s+a\s+(?:bit|while|sec|second|moment|mo|jiffy)\b",
    r"(?<!as\s)soon\b",  # "talk soon", not "as soon as possible"
    r"(?:got(?:ta)?|have\s+to|need\s+to|must|gonna|going\s+to)\s+(?:go|run|jump|dash|bounce)\b",
    r"(?:call|text|get\s+back\s+to|hit|ring|message|reply\s+to|respond\s+to)\s+(?:you|u|ya)"
    r"\s+back\b",
    r"get\s+back\s+to\s+(?:you|u|ya)\b",
    r"call\s+me\s+back\b",
    r"(?:reply|respond|answer)\s+(?:when|once|as\s+soon)\b",
    r"(?:hold\s+on|hang\s+on|one\s+sec|1\s+sec|a\s+sec|one\s+moment|a\s+moment|one\s+min)\b",
    r"(?:give\s+me|gimme|just)\s+a\s+(?:sec|second|moment|min|minute|bit)\b",
    r"(?:on\s+(?:vacation|holiday|leave|pto)|out\s+of\s+town|out\s+of\s+(?:the\s+)?office)\b",
    r"(?<!right\s)(?<!straight\s)away\b",  # "away this week", not "right away"
    r"in\s+the\s+middle\s+of\b",
    r"im\s+not\s+(?:available|free)\b",
    r"(?:doctor|dentist|doctors|dentists|medical|hair|vet)\s+(?:appointment|appt)\b",
    r"maybe\s+(?:later|another|some)\b",
)
# Unresolvable "when": "sometime this week", "call me this week" (checked from the start).
_BUSY = re.compile(
    _BUSY.pattern + r"|^" + _ABOUT_BUSINESS + r".*?\b(?:(?:sometime|some\s+time|anytime|any\s+time)"
    r"\s+(?:this|today|soon)|(?:this|later\s+this|later\s+in\s+the)\s+(?:week|month))\b"
)

# --- history ------------------------------------------------------------------------------

_AGREE_CORE = frozenset(
    {
        "yes",
        "yess",
        "yesss",
        "yeah",
        "yea",
        "yah",
        "ya",
        "yep",
        "yup",
        "sure",
        "ok",
        "okay",
        "okey",
        "okk",
        "k",
        "kk",
        "alright",
        "alrighty",
        "fine",
        "good",
        "great",
        "perfect",
        "cool",
        "awesome",
        "works",
        "absolutely",
        "definitely",
        "certainly",
        "deal",
        "sounds",
        "agreed",
        "lovely",
        "brilliant",
        "excellent",
        "ideal",
        "correct",
        "aye",
        "course",
        "confirmed",
        "gladly",
        "please",
        "yas",
        "ye",
    }
)
_AGREE_WORDS = _AGREE_CORE | frozenset(
    {
        "that",
        "thats",
        "it",
        "its",
        "this",
        "work",
        "for",
        "me",
        "us",
        "sound",
        "then",
        "see",
        "you",
        "u",
        "talk",
        "call",
        "text",
        "message",
        "pls",
        "plz",
        "thanks",
        "thank",
        "thx",
        "ty",
        "cheers",
        "time",
        "at",
        "do",
        "go",
        "ahead",
        "lets",
        "of",
        "thing",
        "by",
        "with",
        "is",
        "would",
        "be",
        "will",
        "ill",
        "there",
        "just",
        "totally",
        "i",
        "can",
        "confirm",
        "all",
        "really",
        "very",
        "so",
        "sounds",
        "speak",
        "chat",
        "to",
        "a",
        "plan",
        "yes",
        "and",
        "we",
        "well",
        "oh",
        "ah",
        "super",
        "too",
        "also",
    }
)
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
# A question about the business's hours or availability (not the contact's): `other`.
_ASKS_ABOUT_THE_BUSINESS = _at_word_start(
    r"(?:are|r|is)\s+(?:you|u|ya|yall|the\s+(?:office|store|shop|clinic|place))\s+"
    r"(?:guys\s+|all\s+)?(?:open|opened|closed|working|busy|available|free|around|in|running|operating|taking)\b",
    r"(?:do|does|will|would)\s+(?:you|u|ya|yall|the\s+(?:office|store|shop|clinic))\s+(?:guys\s+)?"
    r"(?:have|work|open|close|take|do)\b",
    r"(?:what|which)\s+(?:time|times|days|hours)\s+(?:do|does|are|is|will)\s+(?:you|u|ya|it|the)\b",
    r"(?:is|are|will)\s+(?:there\s+)?(?:\w+\s+){0,4}(?:available|open|free|taken|booked)\s*\?",
    r"any\s+(?:openings|availability|slots|spots|appointments|times)\b",
)
# A question about the business, its people or what it offers, in question order at the start
# of a sentence ("is Dr. Ruiz in on Friday?", "will the doctor be around tomorrow?", "do you
# offer evening courses?", "does Sarah work Saturdays?") or after "wondering if" ("wondering
# if you do evening classes"). `subject` must not be a time ("is tomorrow in the afternoon
# ok?", "does friday work?") nor, after do/does, a pronoun ("does that work for you?": the
# contact proposing a time).
_SENTENCE_START = (
    r"(?:^|[.!?;:,]\s*)\W{0,4}(?:(?:hi|hey|hello|ok|okay|so|and|also|btw|oh|sorry|"
    r"quick\s+question|question|hi\s+there|thanks|thx)\W{1,4}){0,3}"
)
_WONDERING_IF = (
    r"\b(?:wondering|wonder|know|asking|ask|check|checking|see|curious|tell\s+me)\s+"
    r"(?:if|whether)\s+"
)
_SUBJECT = r"(?P<subject>(?:[a-z]+\.?\s+){0,3}?[a-z]+\.?)"
# Where someone at the business is, or what it is doing: "in", "around", "working"... (not
# "in the morning", "in 2 hours": times).
_BE_THERE = (
    r"(?:still\s+|guys\s+|all\s+)?(?:in\b(?!\s+(?:the\s+(?:morning|afternoon|evening|am|pm|arvo)|"
    r"an?\s+(?:bit|while|sec|second|min|minute|moment|few|couple|hour|day|week|month)\b|"
    r"an\s+hour|half|\d|" + P.NUMWORD + r"\b))|around|available|avail|working|open|opened|closed|"
    r"free|back|off|there|here|busy|on\s+(?:duty|call|site|shift|vacation|holiday|leave)|"
    r"(?:seeing|taking|accepting)\s+(?:new\s+|any\s+)?(?:patients|clients|customers|appointments|"
    r"bookings|people|walk-?ins)|running|operating|teaching|offering)\b"
)
# What the business does or offers: "offer", "have", "teach", "work"...
_OFFER_VERB = (
    r"(?:guys\s+|all\s+|still\s+|also\s+|ever\s+|even\s+|usually\s+|normally\s+)?"
    r"(?:offer|have|has|do|does|work|take|accept|see|run|teach|hold|host|provide|sell|"
    r"carry|serve|treat|open|close|deliver|ship|install|fix|repair|cover|stock|come|"
    r"visit)(?:s|es)?\b"
)
_IS_SOMEONE_THERE = (
    re.compile(_SENTENCE_START + r"(?:is|are|r|will|would)\s+" + _SUBJECT + r"\s+(?:be\s+)?" + _BE_THERE),
    re.compile(_WONDERING_IF + _SUBJECT + r"\s+(?:is|are|will\s+be|would\s+be)\s+" + _BE_THERE),
)
_DOES_SOMEONE_OFFER = (
    re.compile(_SENTENCE_START + r"(?:do|does|will|would)\s+" + _SUBJECT + r"\s+" + _OFFER_VERB),
    re.compile(_WONDERING_IF + _SUBJECT + r"\s+" + _OFFER_VERB),
)
# After do/does, not the business: "does that work for you?" (a time the contact proposes),
# "do I need to bring anything?" (the contact).
_NOT_THE_BUSINESS = frozenset(
    {"it", "that", "this", "these", "those", "either", "which", "one", "both", "any", "i", "we"}
)
# An outbound about a visit or an appointment proposes no time for contacting them...
_ABOUT_A_VISIT = re.compile(
    r"\b(?:appointment|appointments|appt|book|booking|booked|reservation|reserve|visit|"
    r"consultation|session|opening|openings|slot|slots|spot|come\s+in|see\s+you|pick\s*up|"
    r"delivery|deliver|arrive|arrival|open|close|closed|closing)\b"
)
# ...unless it also offers to contact them.
_OFFERS_CONTACT = re.compile(
    r"\b(?:call|ring|text|reach\s+out|ping|talk|chat|speak|message|contact|check\s+in|"
    r"touch\s+base|follow\s+up|get\s+back)\b"
)
# "no worries", "no problem", "np": agreement, not a "no".
_NO_WORRIES = re.compile(r"\bno\s+(?:worries|worry|problem|problems|prob|probs|probz)\b|\bnp\b")
_WORDS = re.compile(r"[a-z]+")
_DIGIT = re.compile(r"\d")
_GRATITUDE_OR_PAST = re.compile(r"\b(?:thanks|thank|was|were|did|had|called|came|went|yesterday|last|ago|earlier)\b")


def classify_rules(inp: ClassifyInput) -> Classification:
    """The contract's intent for `inp.text`, reading `inp.history` where the rules say so."""
    keyword = keyword_form(inp.text)
    if keyword in _OPT_OUT_WORDS or asks_to_stop(inp.text):
        return Classification(Intent.OPT_OUT)  # before all else, a decline included
    if keyword in _OPT_IN_WORDS:
        return Classification(Intent.OPT_IN)

    text = normalize_text(inp.text)
    if _declines(_plain(inp.text)):
        return Classification(Intent.NOT_INTERESTED)

    last_out = _last_outbound(inp.history)
    if _says_booked(text) or (
        _is_short_confirmation(text) and last_out is not None and _has_booking_link(last_out, inp.booking_link)
    ):
        return Classification(Intent.BOOKED)

    out = normalize_text(last_out) if last_out is not None else ""
    proposed = _proposed_time(out, inp)
    # Answering "What time works?" (or a proposed time), a lone "3" is an hour.
    answering_when = bool(_ASKS_WHEN.search(out)) or proposed is not None
    found = find_requested_time(text, inp.now, inp.tz, bare_hours=answering_when)
    # "is 3pm available?", "are you open saturday?", "is Dr. Ruiz in on Friday?", "do you offer
    # evening courses?": a question about the business, its hours or its offer, not a request
    # (unless it also asks to talk: "are you free to talk tomorrow?").
    if _asks_about_the_business(text, inp, found) and not _OFFERS_CONTACT.search(text):
        return Classification(Intent.OTHER)
    if found is not None and found.usable and _is_request(found, text, answering_when):
        return _specific(found)

    # Agreeing to a time the last outbound proposed: that time, as if the contact said it.
    if found is None and proposed is not None and _is_agreement(text):
        return _specific(proposed) if proposed.usable else Classification(Intent.BUSY)

    # "I need to cancel my dentist appointment tomorrow", "can we reschedule?": the
    # business's to handle, neither a time to follow up at nor busy ("I'm sick, need to
    # cancel" too), unless they ask to be contacted ("cancel it and call me later": busy).
    if P.CANCELS.search(text) and not P.CONTACT_ME.search(text):
        return Classification(Intent.OTHER)
    if _BUSY.search(text):
        return Classification(Intent.BUSY)
    # "surgery till 3": the time only says how long they are busy.
    if found is not None and found.is_state:
        return Classification(Intent.BUSY)
    # A time gone, or more than 365 days ahead, is not a request; asking for contact then
    # still means "not now".
    if found is not None and not found.usable and _asks_for_contact(text):
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
        if not _NOT_BOOKED.search(text[max(0, m.start() - 30) : m.start() + 1]):
            return True
    return bool(_ALREADY_HAVE.search(text))


def _is_short_confirmation(text: str) -> bool:
    words = _WORDS.findall(text)
    return 0 < len(words) <= 8 and set(words) <= _SHORT_CONFIRM_WORDS and not _SHORT_CONFIRM_CORE.isdisjoint(words)


def _has_booking_link(outbound: str, booking_link: str) -> bool:
    link = booking_link.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    if link and link in outbound.lower():
        return True
    return any(_BOOKING_URL.search(url.lower().replace("facebook", "")) for url in _URL.findall(outbound))


def _proposed_time(out: str, inp: ClassifyInput) -> Resolution | None:
    """The time the last outbound message proposed for contacting the contact ("Can I call
    you tomorrow at 3pm?", "How about 4?"), not a time about an appointment or the business
    ("Your appointment is tomorrow at 3, can you confirm?")."""
    if not out or not _PROPOSES.search(out):
        return None
    if _ABOUT_A_VISIT.search(out) and not _OFFERS_CONTACT.search(out):
        return None
    found = find_requested_time(out, inp.now, inp.tz)
    # "Shall we move your cleaning to Friday at 3?": the appointment's new time.
    return None if found is not None and found.is_appointment else found


def _is_agreement(text: str) -> bool:
    if _DIGIT.search(text):
        return False  # "4 works" proposes another time
    text = _NO_WORRIES.sub(" ok ", text)
    words = _WORDS.findall(text)
    return 0 < len(words) <= 10 and set(words) <= _AGREE_WORDS and not _AGREE_CORE.isdisjoint(words)


def _is_request(found: Resolution, text: str, answering_when: bool) -> bool:
    """A usable time is a request when it is not only a state ("I'm busy tomorrow"), and
    answers a question about when or is not about booking or the business. A time that only
    says how long they are busy ("in a meeting till 11") is a request only as the answer to
    "when?" (they said when they are free)."""
    if found.is_state:
        return answering_when and found.is_until
    if found.is_appointment:
        return False  # "cancel my cleaning on Monday": the appointment's time
    return answering_when or _is_contact_request(text)


def _is_contact_request(text: str) -> bool:
    """A future time in the message is a request unless it is about booking or the business
    ("Can I book for tomorrow?", "are you open saturday?") with no word about contact."""
    return not _about_booking(text) or bool(_CONTACT_REQUEST.search(text))


def _about_booking(text: str) -> bool:
    """Booking, cancelling or moving an appointment, or the business's hours or offer."""
    return bool(_NOT_A_CONTACT_REQUEST.search(text) or P.CANCELS.search(text))


def _asks_about_the_business(text: str, inp: ClassifyInput, found: Resolution | None) -> bool:
    """A question about the business's hours or availability that names a time ("is 3pm
    available?"), or about one of its people or what it offers, time or not ("is Dr. Ruiz
    in on Friday?", "do you offer evening courses?")."""
    if found is not None and _ASKS_ABOUT_THE_BUSINESS.search(text):
        return True
    for regexes, not_the_business in ((_IS_SOMEONE_THERE, frozenset()), (_DOES_SOMEONE_OFFER, _NOT_THE_BUSINESS)):
        for regex in regexes:
            for m in regex.finditer(text):
                subject = m["subject"]
                if subject not in not_the_business and find_requested_time(subject, inp.now, inp.tz) is None:
                    return True
    return False


def _asks_for_contact(text: str) -> bool:
    if _CONTACT_REQUEST.search(text):
        return True
    # A bare time ("March 1, 2026"), not a thank-you or a story about the past.
    return len(_WORDS.findall(text)) <= 5 and not _GRATITUDE_OR_PAST.search(text) and not _about_booking(text)
