"""The `e` key on the home, detail and history screens: export one session to markdown."""

from __future__ import annotations

from pathlib import Path

from textual.screen import Screen

from ...store import ArchiveError


def export_one(screen: Screen[object], session_id: str) -> None:
    """Export one session and say where the file went (or why it could not be written)."""
    from ...export import export_sessions

    app = screen.app
    folder = Path(app.config["export_folder"]).expanduser()  # type: ignore[attr-defined]
    try:
        paths = export_sessions(app.archive, [session_id], folder, fmt="md")  # type: ignore[attr-defined]
    except (OSError, ArchiveError) as exc:  # a full disk, a session that cannot be read
        screen.notify(f"Export failed: {getattr(exc, 'strerror', None) or exc}",
                      severity="error", markup=False)
        return
    note = ""
    if app.archive.codec is not None:  # type: ignore[attr-defined]
        note = "\nThe archive is encrypted; this file is not (it is readable by you only)."
    screen.notify(f"Exported to\n{paths[0].resolve()}{note}", title="Export", markup=False,
                  timeout=10)
