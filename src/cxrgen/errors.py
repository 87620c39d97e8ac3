"""Errors that cxrgen raises for bad input or bad configuration.

Every message names the file, row or field at fault and says what to do; the CLI prints it
without a traceback and exits with status 2.
"""


class CxrgenError(Exception):
    """Base class of every error the user can fix."""


class InputError(CxrgenError, ValueError):
    """Bad input data: a missing file, a corrupt image, a malformed row, an empty report."""


class ConfigError(CxrgenError, ValueError):
    """Bad configuration: an unknown name, an unknown key, a value of the wrong type."""


class UnknownNameError(ConfigError, KeyError):
    """A name that is not in a registry. The message lists the valid names."""

    def __str__(self):  # KeyError would quote the message
        return self.args[0] if self.args else ""


def require_extra(module: str, extra: str, purpose: str):
    """Import ``module`` of an optional extra, or a :class:`ConfigError` saying what to install.

    A folder of that name in the working directory (Ray leaves ``/tmp/ray``) imports as an empty
    namespace package when the real one is absent: that counts as missing too.
    """
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError:
        mod = None
    if mod is None or getattr(mod, "__file__", None) is None:
        raise ConfigError(f"{purpose} needs the {extra} extra ({module} is not installed): "
                          f"pip install 'cxrgen[{extra}]'")
    return mod
