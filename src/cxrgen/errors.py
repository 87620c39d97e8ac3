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
