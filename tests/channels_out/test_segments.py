"""SMS segment counting: what a text costs and what a number's rate counts."""

import pytest

from channels_out.segments import segments


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", 1),
        ("Hi Ana, still keen on a cleaning?", 1),
        ("a" * 160, 1),  # GSM-7: 160 in one segment
        ("a" * 161, 2),  # then 153 per segment
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character costs two septets: 160
        ("€" * 81, 2),
        ("a" * 152 + "€", 1),  # 154 septets: one segment
        ("a" * 152 + "€" + "a" * 152, 3),  # 306 septets, but the pair moves to segment 2
        ("é ñ ü à Ä Ö Ñ Ü ¿ ¡ £ ¥", 1),  # all in the GSM alphabet
        ("ç" + "a" * 69, 1),  # ç is not GSM (only Ç is): UCS-2, 70 in one segment
        ("ç" + "a" * 70, 2),  # then 67 per segment
        ("ç" + "a" * 133, 2),
        ("ç" + "a" * 134, 3),
        ("😀" * 35, 1),  # an emoji is two UTF-16 units
        ("😀" * 36, 2),
        ("a" * 66 + "😀" + "a" * 66, 3),  # 134 units, but the surrogate pair moves to segment 2
        ("Still keen? “Yes” works", 1),  # curly quotes: UCS-2, still short
    ],
)
def test_segments(text, expected):
    assert segments(text) == expected


def test_a_curly_quote_turns_a_long_text_into_ucs2():
    plain = "x" * 150
    assert segments(plain) == 1
    assert segments(plain + "’") == 3  # 151 UCS-2 units: 67 + 67 + 17
