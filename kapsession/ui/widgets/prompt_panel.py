"""One grounding prompt at a time, in large readable text, with its situation."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ...model.vocab import PROMPT_SITUATIONS
from ...prompts import Prompt, PromptLibrary


class PromptPanel(Vertical):
    """Next / previous within the current situation; the phase may suggest another one."""

    def __init__(self, library: PromptLibrary, situation: str, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.library = library
        self.situation = situation if library.for_situation(situation) else \
            library.situations()[0]
        self.index = 0
        self.chosen_by_hand = False
        self.hint = ""

    def compose(self) -> ComposeResult:
        yield Static(id="prompt-situation", markup=False)
        yield Static(id="prompt-text", markup=False)

    def on_mount(self) -> None:
        self._show_prompt()

    @property
    def prompts(self) -> list[Prompt]:
        return self.library.for_situation(self.situation)

    @property
    def current(self) -> Prompt:
        prompts = self.prompts
        return prompts[self.index % len(prompts)]

    def _show_prompt(self) -> None:
        prompts = self.prompts
        label = PROMPT_SITUATIONS.get(self.situation, self.situation)
        head = Text(label.capitalize(), style="bold")
        head.append(f"   {self.index % len(prompts) + 1}/{len(prompts)}", style="dim")
        if self.hint:
            head.append(f"   {self.hint}", style="dim italic")
        self.query_one("#prompt-situation", Static).update(head)
        self.query_one("#prompt-text", Static).update(Text(self.current.text))

    def step(self, delta: int) -> None:
        self.index = (self.index + delta) % len(self.prompts)
        self._show_prompt()

    def choose(self, situation: str) -> None:
        """The therapist picked a situation: the phase no longer changes it."""
        self.situation = situation
        self.index = 0
        self.chosen_by_hand = True
        self.hint = ""
        self._show_prompt()

    def suggest(self, situation: str, phase: str) -> None:
        """The phase changed: follow its suggestion unless the therapist chose by hand."""
        if not self.library.for_situation(situation):
            return
        if self.chosen_by_hand:
            if situation != self.situation:
                self.hint = f"({phase}: ctrl+g)"
                self._show_prompt()
            return
        self.situation = situation
        self.index = 0
        self.hint = f"(for {phase})"
        self._show_prompt()
