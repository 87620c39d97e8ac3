"""The data layer: the Study record, dataset loaders (one file each), image I/O, transforms, splits."""

from cxrgen.data.study import ImageRef, Study, View

__all__ = ["ImageRef", "Study", "View"]
