"""ecomodel/_text.py: display_width counts the terminal columns of mixed Chinese and Latin text."""

from ecomodel._text import display_width


def test_display_width__wide_characters_count_two():
    assert display_width("") == 0
    assert display_width("PM2.5") == 5
    assert display_width("江阴") == 4  # East Asian wide
    assert display_width("（年均）") == 8  # full-width brackets count 2 as well
    assert display_width("PM2.5 天宁") == 10
    assert display_width("µg/m³") == 5  # ambiguous-width characters count 1
    assert display_width(2025) == 4  # non-text is measured as str()
