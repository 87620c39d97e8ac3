"""The one record type shared by every dataset: a study (one exam, 1..n images, one report)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

SECTIONS = ("findings", "impression", "indication", "comparison")
SPLITS = ("train", "val", "test")
# Study.language is a code of the language table, cxrgen.text.languages


class View(str, Enum):
    """Projection of one radiograph. Anything not recognised is UNKNOWN, never guessed."""

    PA = "PA"
    AP = "AP"
    LATERAL = "LATERAL"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: str | None) -> "View":
        v = (value or "").strip().upper()
        if v in ("PA", "POSTEROANTERIOR", "FRONTAL"):
            return cls.PA
        if v in ("AP", "ANTEROPOSTERIOR", "AP SUPINE", "AP ERECT"):
            return cls.AP
        if v in ("LATERAL", "LAT", "LL", "RL", "LEFT LATERAL", "RIGHT LATERAL"):
            return cls.LATERAL
        return cls.UNKNOWN

    @property
    def is_frontal(self) -> bool:
        return self in (View.PA, View.AP)


@dataclass
class ImageRef:
    """One image of a study: where it is and which view it shows. Opened only when needed."""

    path: str
    view: View = View.UNKNOWN
    image_id: str | None = None


@dataclass
class Study:
    """One exam: the unit that a report describes and that splits are made of.

    ``labels`` maps a finding name to 1 (positive), 0 (negative), -1 (uncertain); a finding
    absent from the dict is not mentioned / unknown.
    """

    study_id: str
    patient_id: str
    images: list[ImageRef] = field(default_factory=list)
    findings: str = ""
    impression: str = ""
    indication: str = ""
    comparison: str = ""
    language: str = "en"
    split: str | None = None
    labels: dict[str, int] | None = None
    dataset: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    def report(self, section: str = "findings") -> str:
        """The report text used for generation: one section, or ``"findings+impression"``."""
        if section == "findings+impression":
            return " ".join(s for s in (self.findings, self.impression) if s)
        if section not in SECTIONS:
            raise ValueError(
                f"unknown report section {section!r}; valid: {', '.join(SECTIONS)}, findings+impression"
            )
        return getattr(self, section)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["images"] = [{"path": i.path, "view": i.view.value, "image_id": i.image_id} for i in self.images]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Study":
        d = dict(d)
        d["images"] = [
            ImageRef(path=i["path"], view=View.parse(i.get("view")), image_id=i.get("image_id"))
            for i in d.get("images", [])
        ]
        return cls(**d)
