"""PHQ-9 and GAD-7 severity bands (DOMAIN.md, "Outcome measures"); both are public domain."""

from __future__ import annotations

PHQ9_BANDS = ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "moderately severe"),
              (20, "severe"))
GAD7_BANDS = ((0, "minimal"), (5, "mild"), (10, "moderate"), (15, "severe"))

OUTCOME_LABELS = {
    "phq9_pre": "PHQ-9 before", "phq9_post": "PHQ-9 after",
    "phq9_item9": "PHQ-9 item 9 (self-harm)",
    "gad7_pre": "GAD-7 before", "gad7_post": "GAD-7 after",
}

ITEM9_REMINDER = ("PHQ-9 item 9 is above 0: follow up on thoughts of self-harm today, "
                  "and note what was done.")


def band(score: int, bands: tuple[tuple[int, str], ...]) -> str:
    label = bands[0][1]
    for low, name in bands:
        if score >= low:
            label = name
    return label


def outcome_band(name: str, score: int) -> str:
    """The severity band for a stored outcome score (``phq9_pre`` …); '' for item 9."""
    if name.startswith("phq9_") and name != "phq9_item9":
        return band(score, PHQ9_BANDS)
    if name.startswith("gad7_"):
        return band(score, GAD7_BANDS)
    return ""
