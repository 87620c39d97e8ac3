"""cxrgen: chest X-ray report generation and honest evaluation in English, French and Chinese."""

__version__ = "0.1.0"


def load(checkpoint, device="cpu"):
    """Load a trained report generator from a self-describing checkpoint.

    Returns an object with ``generate(images)``; see :mod:`cxrgen.inference`.
    """
    from cxrgen.inference import load as _load  # imported lazily: torch start-up is slow

    return _load(checkpoint, device=device)
