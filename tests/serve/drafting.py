"""The drafter the service tests run with.

TEMPORARY: a fixed-text drafter while ``cxrgen.load`` (src/cxrgen/inference.py) is being
written; replaced by a real tiny checkpoint trained in the test session as soon as it lands.
"""

from __future__ import annotations

import numpy as np

from cxrgen.serve.drafter import Draft


class FixedDrafter:
    max_images = 2
    text = "No pleural effusion. Mild cardiomegaly. Possible atelectasis."

    def draft(self, image_paths):
        return Draft(text=self.text, language="en", labels={"Effusion": 0},
                     graph={"entities": [], "relations": []},
                     heatmaps=[np.outer(np.hanning(7), np.hanning(7)) for _ in image_paths],
                     model={"name": "fixed"})


def make_drafter():
    return FixedDrafter()
