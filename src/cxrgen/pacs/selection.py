"""Which studies cxrgen drafts: chest radiographs, by modality and body part.

The defaults follow DICOM's own vocabulary: modality ``CR`` (Computed Radiography) or ``DX``
(Digital Radiography), PS3.3 C.7.3.1.1.1, and body part ``CHEST``, PS3.16 Annex L (the defined
terms of Body Part Examined). Both are configurable, since sites code chest films differently
(some leave Body Part Examined empty; set ``require_body_part=False`` to accept those).

Modality is matched on the PACS (QIDO-RS ``ModalitiesInStudy``), body part per series (it is a
series attribute), and both again on each fetched instance's own header.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping
from urllib.parse import parse_qsl

from cxrgen.errors import ConfigError


@dataclass(frozen=True)
class StudyFilter:
    modalities: tuple[str, ...] = ("CR", "DX")
    body_parts: tuple[str, ...] = ("CHEST",)
    require_body_part: bool = True
    #: extra QIDO-RS matching keys (DICOM keywords), e.g. {"StudyDate": "20260101-"}
    match: Mapping[str, str] = field(default_factory=dict)

    def qido(self) -> dict[str, str]:
        """QIDO-RS query parameters of a study search. Several values are joined by commas, as
        QIDO-RS lists them (Orthanc matches nothing for a C-FIND-style backslash list)."""
        return {"ModalitiesInStudy": ",".join(self.modalities), **self.match}

    def series_reason(self, modality: str | None, body_part: str | None) -> str | None:
        """Why a series (or an instance) is not a chest radiograph; ``None`` when it is."""
        if (modality or "").upper() not in self.modalities:
            return f"modality {modality or 'missing'} is not one of {', '.join(self.modalities)}"
        part = (body_part or "").strip().upper()
        if not part:
            return ("no Body Part Examined (set require_body_part=False to accept such studies)"
                    if self.require_body_part else None)
        if part not in self.body_parts:
            return f"body part {part} is not {' or '.join(self.body_parts)}"
        return None


def parse_query(query: str) -> dict[str, str]:
    """``"PatientID=123&StudyDate=20260101-20261231"`` -> QIDO matching keys, each checked to be
    a DICOM keyword (pydicom's data dictionary)."""
    from pydicom.datadict import tag_for_keyword

    pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=False)
    if not pairs:
        raise ConfigError(f"--query {query!r}: expected KEYWORD=VALUE pairs joined by '&', e.g. "
                          f"'PatientID=123&StudyDate=20260101-'")
    out = {}
    for key, value in pairs:
        if tag_for_keyword(key) is None:
            raise ConfigError(f"--query: {key!r} is not a DICOM attribute keyword (e.g. PatientID,"
                              f" StudyDate, AccessionNumber, StudyInstanceUID)")
        out[key] = value
    return out


def parse_list(value: str, flag: str) -> tuple[str, ...]:
    """``"CR,DX"`` -> ("CR", "DX"), upper case (DICOM code strings are)."""
    items = tuple(v.strip().upper() for v in value.split(",") if v.strip())
    if not items:
        raise ConfigError(f"{flag} {value!r}: give at least one value, comma-separated")
    return items


def json_value(item: Mapping, keyword: str) -> str | None:
    """First value of ``keyword`` in a DICOM JSON object (PS3.18 F.2), or ``None``."""
    from pydicom.datadict import tag_for_keyword

    element = item.get(f"{tag_for_keyword(keyword):08X}") or {}
    values = element.get("Value") or []
    return str(values[0]) if values else None
