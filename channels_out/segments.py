"""How many SMS segments a text costs: what carriers bill and what a number's rate counts.

GSM-7 when every character is in the GSM 03.38 alphabet (the extension characters cost
two septets), else UCS-2 (UTF-16 code units). One segment holds 160 septets or 70 units;
a longer text is split into segments of 153 or 67, since each then carries a header. An
escape pair or a surrogate pair is never split across two segments, so a long text can
need one more segment than plain division gives. Twilio's optional Smart Encoding (which
swaps curly quotes and the like for GSM characters) is not assumed.
"""

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def segments(text: str) -> int:
    """The number of segments `text` is sent in (an empty text still costs one)."""
    if is_gsm7(text):
        sizes = [2 if c in GSM7_EXTENSION else 1 for c in text]
        single, part = GSM7_SINGLE, GSM7_PART
    else:
        sizes = [len(c.encode("utf-16-le")) // 2 for c in text]
        single, part = UCS2_SINGLE, UCS2_PART
    if sum(sizes) <= single:
        return 1
    count, used = 1, 0
    for size in sizes:
        if used + size > part:
            count, used = count + 1, 0
        used += size
    return count
