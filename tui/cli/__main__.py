"""``python -m casework.tui.cli``: the same as the ``casework`` console script."""

from casework.tui.cli import run

run()
