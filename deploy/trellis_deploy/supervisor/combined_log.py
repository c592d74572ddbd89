"""One readable log for several processes: each line prefixed with its process's name, in a
colour of its own when the terminal shows colours (the name alone tells them apart otherwise)."""

from __future__ import annotations

import threading
from typing import IO

from rich.console import Console
from rich.text import Text

COLOURS = ("cyan", "magenta", "green", "yellow", "blue", "bright_red", "bright_cyan", "bright_magenta")


class CombinedLog:
    def __init__(self, names: list[str], console: Console | None = None) -> None:
        self._console = console or Console(highlight=False, soft_wrap=True)
        self._width = max(len(name) for name in names)
        self._colours = {name: COLOURS[i % len(COLOURS)] for i, name in enumerate(names)}
        self._lock = threading.Lock()

    def line(self, name: str, text: str) -> None:
        prefix = Text(f"{name:<{self._width}} | ", style=self._colours.get(name, "bold"))
        with self._lock:
            self._console.print(prefix + Text(text.rstrip("\n")), soft_wrap=True)

    def plain(self, text: str) -> None:
        with self._lock:
            self._console.print(Text(text), soft_wrap=True)

    def follow(self, name: str, stream: IO[bytes]) -> threading.Thread:
        """Copies a child's output into the log, line by line, until it closes."""

        def copy() -> None:
            with stream:
                for raw in iter(stream.readline, b""):
                    self.line(name, raw.decode(errors="replace"))

        thread = threading.Thread(target=copy, name=f"log-{name}", daemon=True)
        thread.start()
        return thread
