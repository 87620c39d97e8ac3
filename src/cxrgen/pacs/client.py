"""A PACS over DICOMweb (DICOM PS3.18): QIDO-RS to find, WADO-RS to fetch, STOW-RS to store.

A thin layer over ``dicomweb-client``'s :class:`~dicomweb_client.api.DICOMwebClient` that adds
what a service needs from a hospital network:

* **timeouts** on every request (connect and read), so a hung PACS never blocks a worker;
* **retries with exponential back-off** (urllib3's ``Retry`` on the HTTP session: connection
  errors, read timeouts and HTTP 502/503/504, waiting ``backoff_s * 2**(n-1)`` before retry n).
  STOW-RS is retried too: cxrgen's SR instances have deterministic UIDs, so storing one twice
  stores it once;
* **one clear error per failure kind**: :class:`PacsUnavailable` (down, slow, 5xx; worth
  retrying later), :class:`PacsAuthError` (401/403; retrying will not help), :class:`PacsRejected`
  (the PACS refused to store an instance), each naming the PACS and the action;
* **credentials** from the environment (``CXRGEN_PACS_USER``, ``CXRGEN_PACS_PASSWORD``) or a file
  (one line ``user:password``), never from a command line and never in a message or ``repr``.
"""

from __future__ import annotations

import io
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

from cxrgen.errors import ConfigError, CxrgenError

ENV_USER, ENV_PASSWORD = "CXRGEN_PACS_USER", "CXRGEN_PACS_PASSWORD"


class PacsError(CxrgenError):
    """A DICOMweb request failed; the message names the PACS, the action and what to do."""


class PacsUnavailable(PacsError):
    """The PACS did not answer (refused, timed out, 5xx) even after the retries."""


class PacsAuthError(PacsError):
    """The PACS refused the credentials (HTTP 401 or 403)."""


class PacsRejected(PacsError):
    """The PACS answered but refused to store what was sent (STOW-RS failure)."""


@dataclass
class PacsConfig:
    """Where the PACS is and how to talk to it. ``url`` is the DICOMweb root, e.g.
    ``http://pacs:8042/dicom-web`` for Orthanc."""

    url: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    #: seconds to wait for a connection, and for each read of an answer
    timeout_s: float = 10.0
    #: retries of a request that failed for a transient reason, and the first back-off
    retries: int = 3
    backoff_s: float = 0.5

    def __post_init__(self):
        if not self.url.startswith(("http://", "https://")):
            raise ConfigError(f"PACS URL {self.url!r}: expected http(s)://host[:port]/dicomweb-root")
        self.url = self.url.rstrip("/")
        if (self.username is None) != (self.password is None):
            raise ConfigError("PACS credentials need both a user and a password "
                              f"(set {ENV_USER} and {ENV_PASSWORD}, or use an auth file)")
        if self.timeout_s <= 0 or self.retries < 0 or self.backoff_s < 0:
            raise ConfigError(f"PACS timeout_s={self.timeout_s}, retries={self.retries}, "
                              f"backoff_s={self.backoff_s}: timeout must be > 0, the others >= 0")

    @classmethod
    def from_sources(cls, url: str, *, auth_file: str | Path | None = None,
                     env: Mapping[str, str] | None = None, **options: Any) -> "PacsConfig":
        """Credentials from ``auth_file`` (``user:password`` on its first line) when given, else
        from ``CXRGEN_PACS_USER`` / ``CXRGEN_PACS_PASSWORD`` when set, else none."""
        env = os.environ if env is None else env
        user = password = None
        if auth_file:
            path = Path(auth_file)
            try:
                line = path.read_text(encoding="utf-8").splitlines()[0].strip()
            except (OSError, IndexError):
                raise ConfigError(f"PACS auth file {path}: missing or empty; write one line "
                                  f"'user:password'") from None
            user, sep, password = line.partition(":")
            if not sep or not user:
                raise ConfigError(f"PACS auth file {path}: its first line is not 'user:password'")
        elif env.get(ENV_USER) or env.get(ENV_PASSWORD):
            user, password = env.get(ENV_USER), env.get(ENV_PASSWORD)
            if not user or password is None:
                raise ConfigError(f"set both {ENV_USER} and {ENV_PASSWORD} (one is missing)")
        return cls(url, user, password, **options)


class PacsClient:
    """QIDO-RS / WADO-RS / STOW-RS against one PACS; see the module docstring."""

    def __init__(self, config: PacsConfig):
        import requests
        from dicomweb_client.api import DICOMwebClient
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        self.config = config
        session = requests.Session()
        if config.username is not None:
            session.auth = (config.username, config.password)
        retry = Retry(total=config.retries, connect=config.retries, read=config.retries,
                      status=config.retries, backoff_factor=config.backoff_s,
                      status_forcelist=(502, 503, 504), allowed_methods=None,
                      raise_on_status=False, respect_retry_after_header=True)
        adapter = HTTPAdapter(max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        self._dw = DICOMwebClient(config.url, session=session,
                                  timeout=(config.timeout_s, config.timeout_s))
        self._dw.set_http_retry_params(retry=False)  # one retry layer: the session's

    @property
    def url(self) -> str:
        return self.config.url

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        import requests

        try:
            yield
        except requests.HTTPError as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in (401, 403):
                who = f"user {self.config.username!r}" if self.config.username else "no credentials"
                raise PacsAuthError(
                    f"PACS at {self.url} refused {who} (HTTP {status}) while {action}: check the "
                    f"credentials ({ENV_USER}/{ENV_PASSWORD} or the auth file)") from None
            if status is not None and status >= 500:
                raise PacsUnavailable(f"PACS at {self.url} failed (HTTP {status}) while {action}, "
                                      f"after {self.config.retries} retries") from None
            raise PacsError(f"PACS at {self.url} answered HTTP {status} while {action}") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise PacsUnavailable(
                f"PACS at {self.url} unreachable or too slow while {action} (timeout "
                f"{self.config.timeout_s:g} s, {self.config.retries} retries): "
                f"{type(exc).__name__}") from None

    # ------------------------------------------------------------------ QIDO-RS
    def search_studies(self, filters: Mapping[str, str], limit: int | None = None) -> list[dict]:
        """Studies matching ``filters`` (QIDO attribute=value pairs), as DICOM JSON dicts."""
        with self._errors("searching studies (QIDO-RS)"):
            # one request: dicomweb-client's get_remaining pages with offset until an empty
            # page, which never comes from a server that ignores offset (Orthanc 1.10 did)
            return self._dw.search_for_studies(search_filters=dict(filters), limit=limit,
                                               fields=["ModalitiesInStudy", "StudyDate"])

    def search_series(self, study_uid: str) -> list[dict]:
        with self._errors("listing the series of a study (QIDO-RS)"):
            return self._dw.search_for_series(study_instance_uid=study_uid,
                                              fields=["Modality", "BodyPartExamined",
                                                      "SeriesDescription"])

    # ------------------------------------------------------------------ WADO-RS
    def fetch_series(self, study_uid: str, series_uid: str) -> list:
        """Every instance of a series, as pydicom datasets (with their pixel data)."""
        with self._errors("fetching a series (WADO-RS)"):
            return self._dw.retrieve_series(study_uid, series_uid)

    def study_metadata(self, study_uid: str) -> list:
        """Header of every instance of a study (no pixel data), as pydicom datasets."""
        from pydicom import Dataset

        with self._errors("fetching study metadata (WADO-RS)"):
            rows = self._dw.retrieve_study_metadata(study_uid)
        return [Dataset.from_json(r, bulk_data_uri_handler=lambda *_a: None) for r in rows]

    # ------------------------------------------------------------------ STOW-RS
    def store(self, datasets: Sequence, study_uid: str | None = None) -> list[str]:
        """Store ``datasets`` and check that the PACS has them; returns the stored SOP Instance
        UIDs. Raises :class:`PacsRejected` naming each refused instance (and the PACS's reason
        code when it gave one)."""
        import requests

        try:
            with self._errors("storing instances (STOW-RS)"):
                response = self._dw.store_instances(list(datasets), study_instance_uid=study_uid)
        except PacsError as exc:
            if type(exc) is PacsError:  # a 4xx other than 401/403: the PACS refused the content
                raise PacsRejected(f"{exc}: the PACS refused the instances") from None
            raise
        except requests.RequestException as exc:  # pragma: no cover - mapped above
            raise PacsUnavailable(str(exc)) from None
        failed = [(item.get("ReferencedSOPInstanceUID"), item.get("FailureReason"))
                  for item in response.get("FailedSOPSequence", [])]
        if failed:
            detail = ", ".join(f"{uid} (failure reason {reason})" for uid, reason in failed)
            raise PacsRejected(f"PACS at {self.url} refused to store {len(failed)} instance(s): "
                               f"{detail}; see the PACS log for why")
        stored = [str(item.ReferencedSOPInstanceUID)
                  for item in response.get("ReferencedSOPSequence", [])]
        # Read back: a PACS may acknowledge an instance that its own filters then drop (Orthanc
        # 1.10 + DICOMweb 1.7 list an instance refused by a Lua ReceivedInstanceFilter as stored)
        missing = [ds.SOPInstanceUID for ds in datasets
                   if not self._has_instance(str(ds.StudyInstanceUID), str(ds.SOPInstanceUID))]
        if missing:
            raise PacsRejected(f"PACS at {self.url} acknowledged but did not keep "
                               f"{len(missing)} instance(s) ({', '.join(missing)}): it refused "
                               f"them (a filter or storage rule); see the PACS log")
        return stored

    def _has_instance(self, study_uid: str, sop_uid: str) -> bool:
        with self._errors("checking a stored instance (QIDO-RS)"):
            return bool(self._dw.search_for_instances(
                study_instance_uid=study_uid, search_filters={"SOPInstanceUID": sop_uid}))


def part10_bytes(ds) -> bytes:
    """A dataset as a DICOM Part 10 file (preamble, ``DICM``, file meta)."""
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()
