"""Painting frames: colours only on a terminal, lines cut to the width, the terminal given back."""

from __future__ import annotations

import io

from amm.tools.watch import PlainScreen, TerminalScreen, paint

LINE = [("risk ", ""), ("DOWN", "red"), (" 4.2s", "dim")]


def test_paint_colours_segments_and_cuts_at_the_visible_width():
    assert paint(LINE, 80) == "risk \x1b[1;31mDOWN\x1b[0m\x1b[2m 4.2s\x1b[0m"
    assert paint(LINE, 7) == "risk \x1b[1;31mDO\x1b[0m"
    assert paint(LINE, 5) == "risk "


def test_plain_screen_has_no_escape_codes():
    out = io.StringIO()
    PlainScreen(out).draw([LINE, []])
    assert out.getvalue() == "risk DOWN 4.2s\n\n\n"


def test_terminal_screen_uses_the_alternate_screen_and_restores_it():
    out = io.StringIO()
    screen = TerminalScreen(out, stdin=io.StringIO())
    screen.draw([LINE])
    screen.close()
    text = out.getvalue()
    assert text.startswith("\x1b[?1049h\x1b[?25l")  # alternate screen, cursor hidden
    assert "\x1b[H" in text and "DOWN" in text
    assert text.endswith("\x1b[?25h\x1b[?1049l")  # cursor shown, main screen back
