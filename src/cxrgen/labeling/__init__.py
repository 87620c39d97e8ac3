"""Report labelers (en, fr, zh) and entity graphs of reports.

``get_labeler("en").label("No effusion. Mild cardiomegaly.", "chexpert")`` gives CheXpert
values (1 positive, 0 negative, -1 uncertain, None not mentioned); :mod:`cxrgen.labeling.graph`
builds the CN-RadGraph-style entity graph of a report.
"""

from cxrgen.labeling.base import LABELERS, MAX_REPORT_CHARS, check_report, detect_script, get_labeler
from cxrgen.labeling.labelsets import LABEL_SETS, NEGATIVE, POSITIVE, UNCERTAIN, get_label_set

__all__ = [
    "LABELERS", "LABEL_SETS", "MAX_REPORT_CHARS", "NEGATIVE", "POSITIVE", "UNCERTAIN",
    "check_report", "detect_script", "get_label_set", "get_labeler",
]
