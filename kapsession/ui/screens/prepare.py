"""Preparation: the new-session form. `ctrl+s` saves and goes live; `escape` keeps a draft.

A bad value is marked beside its field; nothing is cleared and nothing else is blocked.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static, TextArea

from ...model import ValidationError, Vitals, checklist_from_texts, validate_client_code
from ...model.protocols import Protocol, pick_protocol
from ...model.rems import FIELD_KEYS, MEDICINE_FIELDS
from ...model.session import CLIENT_CODE_MAX, ChecklistItem, Proceeded, validate_dose
from ...model.text import NOTE_MAX
from ...model.vocab import MEDICINES, ROUTES
from ...store import ArchiveError
from ..widgets.checklist import Checklist
from ..widgets.dialog import Dialog
from ..widgets.footer import KapFooter
from ..widgets.form import Form

BASELINE = (("systolic", "Systolic BP", "mmHg"), ("diastolic", "Diastolic BP", "mmHg"),
            ("heart_rate", "Heart rate", "bpm"), ("spo2", "SpO₂", "%"))
NO_PROTOCOL = "none"
#: The medicines question of a REMS protocol: unanswered, no or yes.
ANSWERS = [("—", "unanswered"), ("no", "no"), ("yes", "yes")]


class PrepareScreen(Screen[None]):
    """New session, or a planned one reopened (``session_id``)."""

    HELP_TITLE = "preparation"
    CSS_PATH = "prepare.tcss"
    BINDINGS = [
        Binding("ctrl+s", "go_live", "Save and go live", id="go_live", priority=True,
                tooltip="Save and go live: the session clock starts"),
        Binding("escape", "keep_planned", "Keep as planned", id="keep_planned",
                tooltip="Leave; what you typed is kept as a planned session"),
    ]

    def __init__(self, session_id: str | None = None) -> None:
        super().__init__()
        self.session_id = session_id
        self._discard_armed = False

    @property
    def archive(self):  # noqa: ANN201
        return self.app.archive  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        config = self.app.config  # type: ignore[attr-defined]
        existing = self.archive.get(self.session_id) if self.session_id else None
        checklist = existing.prep_checklist if existing and existing.prep_checklist else \
            checklist_from_texts(config["checklists.preparation"])
        self._checklist_texts = [c.text for c in checklist]
        yield Static(Text("New session · preparation" if not existing else
                          f"Planned session {existing.session_no} · preparation",
                          style="bold"), id="form-title")
        with Form(id="form"):
            yield from self._field("client", "Client code",
                                   Input(existing.client if existing else "", id="client",
                                         placeholder="a pseudonym such as C-0042; never a "
                                         "name", max_length=CLIENT_CODE_MAX))
            yield Static(id="session-no", classes="field-note", markup=False)
            yield from self._field("therapist", "Therapist",
                                   Input(existing.therapist if existing else "",
                                         id="therapist", placeholder="initials",
                                         max_length=8, classes="short"))
            with Horizontal(classes="field-row"):
                yield Label("Medicine", classes="field-label")
                yield Select([(v, k) for k, v in MEDICINES.items()], id="medicine",
                             value=existing.medicine if existing else "ketamine",
                             allow_blank=False)
            with Horizontal(classes="field-row"):
                yield Label("Route", classes="field-label")
                yield Select([(v, k) for k, v in ROUTES.items()], id="route",
                             value=existing.route if existing else "sublingual",
                             allow_blank=False)
            protocols = config.protocols
            self._protocols = {p.name: p for p in protocols}
            current = existing.protocol if existing else None
            if current is not None:
                self._protocols.setdefault(current.name, current)  # its own copy stays
            picked = current or pick_protocol(protocols, existing.medicine if existing
                                              else "ketamine", existing.route if existing
                                              else "sublingual")
            # A protocol the therapist chose stays chosen when medicine or route change.
            self._protocol_chosen = current is not None
            with Horizontal(classes="field-row"):
                yield Label("Protocol", classes="field-label")
                yield Select([(p.label, p.name) for p in self._protocols.values()]
                             + [("No protocol (the config's check-ins)", NO_PROTOCOL)],
                             id="protocol", allow_blank=False,
                             value=picked.name if picked else NO_PROTOCOL)
            yield Static(id="protocol-note", classes="field-note", markup=False)
            answers = existing.rems if existing else {}
            for key in MEDICINE_FIELDS:
                answer = answers.get(key)
                with Horizontal(classes="field-row rems-question"):
                    yield Label(FIELD_KEYS[key].label, classes="field-label wide")
                    yield Select([(label, value) for label, value in ANSWERS], id=key,
                                 allow_blank=False, classes="answer",
                                 value="unanswered" if answer is None
                                 else ("yes" if answer else "no"))
            dose = existing.planned_dose_mg if existing else None
            yield from self._field("dose", "Planned dose",
                                   Input(f"{dose:g}" if dose else "", id="dose",
                                         placeholder="e.g. 50", classes="short", max_length=8),
                                   unit="mg")
            yield Label("Intention", classes="section-label")
            yield TextArea(existing.intention if existing else "", id="intention",
                           soft_wrap=True, show_line_numbers=False)
            yield Static(id="intention-error", classes="error-message field-error",
                         markup=False)
            yield Label("Preparation checklist (↑↓ move · space ticks)",
                        classes="section-label")
            yield Checklist(*[(Text(c.text), i, c.done) for i, c in enumerate(checklist)],
                            id="checklist")
            yield Label("Baseline vitals", classes="section-label")
            base = existing.baseline if existing else None
            for key, label, unit in BASELINE:
                value = getattr(base, key) if base else None
                yield from self._field(key, label, Input(str(value) if value else "", id=key,
                                                         restrict=r"\d{0,3}", max_length=3,
                                                         classes="short"), unit=unit)
            yield Static(id="baseline-flag", classes="flagged", markup=False)
        yield KapFooter()

    def _field(self, key: str, label: str, widget: Any, unit: str = "") -> ComposeResult:
        with Horizontal(classes="field-row"):
            yield Label(label, classes="field-label")
            yield widget
            if unit:
                yield Label(unit, classes="field-unit")
        yield Static(id=f"{key}-error", classes="error-message field-error", markup=False)

    #: False until the client code field has focus: the app holds the keys typed meanwhile
    #: ("nC-0042" typed in one go from the list), as for a dialog.
    ready = False

    def on_mount(self) -> None:
        self.set_focus(self.query_one("#client", Input))  # at once, not a turn later
        self.ready = True
        self.app.post_message(Dialog.Ready())
        self._update_session_no()
        self._show_protocol()

    # ---- the monitoring protocol --------------------------------------------------------

    def _protocol(self) -> Protocol | None:
        return self._protocols.get(str(self.query_one("#protocol", Select).value))

    def _show_protocol(self) -> None:
        protocol = self._protocol()
        self.query_one("#protocol-note", Static).update(
            protocol.schedule_text() if protocol else "Check-ins and observation from the "
            "config's checkins and observation settings.")
        rems = protocol is not None and protocol.rems
        for row in self.query(".rems-question"):
            row.display = rems

    @on(Select.Changed, "#medicine, #route")
    def _medicine_or_route_changed(self) -> None:
        if self._protocol_chosen:
            return
        picked = pick_protocol(tuple(self._protocols.values()),
                               str(self.query_one("#medicine", Select).value),
                               str(self.query_one("#route", Select).value))
        self._auto_protocol = picked.name if picked else NO_PROTOCOL
        self.query_one("#protocol", Select).value = self._auto_protocol

    @on(Select.Changed, "#protocol")
    def _protocol_changed(self, event: Select.Changed) -> None:
        if event.value != getattr(self, "_auto_protocol", event.value):
            self._protocol_chosen = True
        self._show_protocol()

    def _rems_answers(self) -> dict[str, bool | None]:
        protocol = self._protocol()
        if protocol is None or not protocol.rems:
            return {}
        out: dict[str, bool | None] = {}
        for key in MEDICINE_FIELDS:
            value = self.query_one(f"#{key}", Select).value
            out[key] = None if value == "unanswered" else value == "yes"
        return out

    # ---- validation ---------------------------------------------------------------------

    def _error(self, key: str, message: str) -> None:
        error = self.query_one(f"#{key}-error", Static)
        error.update(message)
        error.set_class(bool(message), "shown")

    def _value(self, key: str) -> str:
        return self.query_one(f"#{key}", Input).value

    def _name_warning(self) -> None:
        """A code that looks like a person's name gets a reminder (it is not blocked)."""
        words = self._value("client").split()
        looks_like_name = len(words) >= 2 and all(w[:1].isupper() and w[1:].islower()
                                                  and w.isalpha() for w in words)
        note = self.query_one("#session-no", Static)
        if looks_like_name:
            note.update("This looks like a name. Use a pseudonymous code (such as C-0042): "
                        "kapsession keeps no names.")
            note.add_class("flagged")
        else:
            note.remove_class("flagged")

    def _update_session_no(self) -> None:
        client = self._value("client").strip()
        label = self.query_one("#session-no", Static)
        if not client:
            label.update("")
            return
        number = self.archive.next_session_no(client)
        if self.session_id:
            existing = self.archive.summary(self.session_id)
            if existing.client == client:
                number = existing.session_no
        label.update(f"Session {number} for {client}")

    @on(TextArea.Changed)
    @on(Select.Changed)
    @on(Checklist.SelectedChanged)
    def _other_changed(self) -> None:
        self._discard_armed = False

    def save_draft(self) -> bool:
        """Called when the app quits or locks: keep what was typed as a planned session.

        Returns False when it cannot be kept (the client code is missing or invalid), so the
        app can warn before quitting."""
        if self._blank() and self.session_id is None:
            return True
        values = self._collect()
        if values is None:
            return False
        return self._save(values, live=False) is not None

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._discard_armed = False
        key = event.input.id or ""
        self._validate_field(key)
        if key == "client":
            self._update_session_no()
            self._name_warning()

    def _validate_field(self, key: str, *, force: bool = False) -> bool:
        try:
            if key == "client":
                validate_client_code(self._value("client"))
            elif key == "dose":
                validate_dose("dose_mg", self._value("dose"), required=False)
            elif key in dict((k, 1) for k, _, _ in BASELINE):
                self._baseline()
            self._error(key, "")
            if key in dict((k, 1) for k, _, _ in BASELINE):
                for k, _, _ in BASELINE:
                    self._error(k, "")
            return True
        except ValidationError as exc:
            target = exc.field if exc.field in dict((k, 1) for k, _, _ in BASELINE) else key
            # An empty client code is only marked once the therapist tries to save.
            self._error(target, exc.problem if key != "client" or self._value("client")
                        or force else "")
            return False

    def _baseline(self) -> Vitals | None:
        values = {k: self._value(k) for k, _, _ in BASELINE}
        flag = self.query_one("#baseline-flag", Static)
        if not any(v.strip() for v in values.values()):
            flag.update("")
            return None
        vitals = Vitals.create(**values, require_all=False)
        reasons = self.app.config.thresholds.flags(vitals)  # type: ignore[attr-defined]
        flag.update(f"Flagged (not blocking): {', '.join(reasons)}" if reasons else "")
        return vitals

    def _collect(self) -> dict[str, Any] | None:
        """All fields, or ``None`` (with every problem shown) if any is invalid."""
        ok = True
        values: dict[str, Any] = {}
        for key in ("client", "dose", "systolic"):
            ok = self._validate_field(key, force=True) and ok
        if not ok:
            return None
        intention = self.query_one("#intention", TextArea).text
        if len(intention) > NOTE_MAX:
            self._error("intention", f"{len(intention):,} characters; the limit is "
                        f"{NOTE_MAX:,}")
            return None
        self._error("intention", "")
        selected = set(self.query_one("#checklist", Checklist).selected)
        values.update(
            client=self._value("client"),
            therapist=self._value("therapist"),
            medicine=self.query_one("#medicine", Select).value,
            route=self.query_one("#route", Select).value,
            dose_mg=self._value("dose") or None,
            intention=intention,
            prep_checklist=[ChecklistItem(t, i in selected)
                            for i, t in enumerate(self._checklist_texts)],
            baseline=self._baseline(),
            protocol=self._protocol(),
        )
        return values

    def _first_error_focus(self) -> None:
        for key in ("client", "dose", "systolic", "diastolic", "heart_rate", "spo2"):
            if str(self.query_one(f"#{key}-error", Static).render()).strip():
                self.query_one(f"#{key}", Input).focus()
                return

    def _save(self, values: dict[str, Any], *, live: bool,
              proceeded: Proceeded | None = None) -> str | None:
        answers = self._rems_answers()
        try:
            if self.session_id is None:
                session = self.archive.new_session(**values, live=False)
                self.session_id = session.id
            else:
                self.archive.update_preparation(self.session_id, **{
                    k: v for k, v in values.items()})
            if answers:
                self.archive.set_rems(self.session_id, **answers)
            if live:
                self.archive.go_live(self.session_id, proceeded)
        except ValidationError as exc:
            self.notify(str(exc), severity="error", markup=False)
            return None
        except ArchiveError as exc:
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return None
        return self.session_id

    # ---- actions ------------------------------------------------------------------------

    def action_go_live(self) -> None:
        values = self._collect()
        if values is None:
            self._first_error_focus()
            self.notify("Some fields need a look (marked in red).", severity="warning")
            return
        missing = [c.text for c in values["prep_checklist"] if not c.done]
        if values["baseline"] is None:
            missing.append("Baseline vitals (none entered)")
        flags = []
        baseline = values["baseline"]
        reasons = self.app.config.thresholds.flags(baseline) if baseline else []  # type: ignore[attr-defined]
        if reasons:
            flags.append(f"baseline {baseline.short()}: {', '.join(reasons)}")

        def go(reason: str | None) -> None:
            if reason is None:
                return
            # The decision is recorded, never a block (issue #15, item 5).
            proceeded = Proceeded(flags=tuple(flags), unticked=tuple(missing), reason=reason)
            sid = self._save(values, live=True, proceeded=proceeded)
            if sid is not None:
                from .live import LiveScreen

                self.app.switch_screen(LiveScreen(sid))

        if not missing and not flags:
            go("")
            return
        from ..widgets.proceed_dialog import ProceedDialog

        detail = Text()
        for flag in flags:
            detail.append(f"⚑ Flagged (not blocking): {flag}\n")
        if missing:
            detail.append("Not done:\n")
            detail.append("\n".join(f"  • {m}" for m in missing[:10]))
            if len(missing) > 10:
                detail.append(f"\n  … and {len(missing) - 10} more")
        title = "Go live with these not done?" if missing else "Go live with this flagged?"
        self.app.push_screen(ProceedDialog(title, detail), callback=go)

    def _blank(self) -> bool:
        return not (self._value("client").strip() or self._value("dose").strip()
                    or self._value("therapist").strip()
                    or self.query_one("#intention", TextArea).text.strip()
                    or any(self._value(k).strip() for k, _, _ in BASELINE))

    def action_keep_planned(self) -> None:
        if self._blank() and self.session_id is None:
            self.app.pop_screen()
            return
        values = self._collect()
        if values is None:
            if self._discard_armed:
                self.app.pop_screen()
                return
            self._discard_armed = True
            self._first_error_focus()
            self.notify("This draft can't be kept until the marked fields are fixed. "
                        "Press escape again to discard it.", severity="warning", timeout=8)
            return
        if self._save(values, live=False) is not None:
            self.notify("Kept as a planned session.")
            self.app.pop_screen()
