"""Fixtures of the PACS tests: the Orthanc that ``.ci/setup.d/orthanc.sh`` started (a real PACS,
never a mock), chest radiographs with planted identifiers, a loopback TCP relay that can make
that PACS down or slow, and a small FHIR-accepting HTTP endpoint (no FHIR server package is at
hand here).

Orthanc is found through ``CXRGEN_TEST_ORTHANC_URL`` / ``_USER`` / ``_PASSWORD`` / ``_DIR``, else
``.ci/orthanc.env`` (written by the setup script; ``make orthanc`` runs it). Without it the
tests skip with the reason.
"""

from __future__ import annotations

import io
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: the real chest radiograph (CR, body part CHEST) the round trip starts from
DICOM_NAME = "1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819.dcm"
#: identifiers planted in it; none may reach what cxrgen stores when de-identification is on
PLANTED = {"PatientName": "Planted^Testpatient", "PatientID": "PLANTED-4711",
           "AccessionNumber": "ACCPLANT42", "InstitutionName": "Planted General Hospital",
           "ReferringPhysicianName": "Planted^Referrer", "PatientBirthDate": "19470312"}


@dataclass
class Orthanc:
    base: str  # http://127.0.0.1:port
    user: str
    password: str
    folder: Path | None

    @property
    def dicomweb(self) -> str:
        return f"{self.base}/dicom-web"

    def upload(self, data: bytes) -> None:
        """Send an instance the way a modality's gateway would (Orthanc's REST API)."""
        import httpx

        r = httpx.post(f"{self.base}/instances", content=data, auth=(self.user, self.password),
                       timeout=30)
        r.raise_for_status()

    def config(self, **options):
        from cxrgen.pacs import PacsConfig

        return PacsConfig(self.dicomweb, self.user, self.password, **options)


def _orthanc_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith("CXRGEN_TEST_ORTHANC_")}
    path = REPO / ".ci" / "orthanc.env"
    if "CXRGEN_TEST_ORTHANC_URL" not in env and path.is_file():
        for line in path.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep:
                env[key.strip()] = value.strip()
    return env


@pytest.fixture(scope="session")
def orthanc() -> Orthanc:
    import httpx

    env = _orthanc_env()
    if "CXRGEN_TEST_ORTHANC_URL" not in env:
        pytest.skip("no Orthanc: run .ci/setup.d/orthanc.sh (or `make orthanc`), which writes "
                    ".ci/orthanc.env, or set CXRGEN_TEST_ORTHANC_URL/_USER/_PASSWORD")
    o = Orthanc(env["CXRGEN_TEST_ORTHANC_URL"], env.get("CXRGEN_TEST_ORTHANC_USER", ""),
                env.get("CXRGEN_TEST_ORTHANC_PASSWORD", ""),
                Path(env["CXRGEN_TEST_ORTHANC_DIR"]) if env.get("CXRGEN_TEST_ORTHANC_DIR") else None)
    try:
        r = httpx.get(f"{o.base}/dicom-web/studies", auth=(o.user, o.password),
                      params={"limit": 1}, timeout=5)
        r.raise_for_status()
    except Exception as exc:  # any failure: no usable PACS, skip with the reason
        pytest.skip(f"Orthanc at {o.base} not usable: {type(exc).__name__}: {exc}")
    return o


def chest_dicom(shared_data: Path, body_part: str = "CHEST", **attrs) -> tuple[bytes, object]:
    """The real radiograph with the planted identifiers and fresh UIDs (one study per call)."""
    import pydicom
    from pydicom.uid import generate_uid

    ds = pydicom.dcmread(shared_data / "misc_images" / "dicom" / DICOM_NAME)
    for k, v in {**PLANTED, **attrs}.items():
        setattr(ds, k, v)
    ds.BodyPartExamined = body_part
    ds.PatientAge = "062Y"  # the source's "62" is not a valid Age String (PS3.5 6.2: nnnD/W/M/Y)
    ds.StudyInstanceUID, ds.SeriesInstanceUID = generate_uid(), generate_uid()
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue(), ds


class Relay:
    """A loopback TCP relay in front of Orthanc: ``mode`` "up" forwards, "down" refuses
    connections (closes them at once), "slow" accepts and never answers; leaving "up" also cuts
    the open connections (an HTTP client would otherwise reuse a kept-alive one). It changes the
    network, not the PACS: what answers, when it answers, is Orthanc."""

    def __init__(self, target_port: int):
        self.target = ("127.0.0.1", target_port)
        self._mode = "up"
        self._open: list[socket.socket] = []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._held: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        self._mode = value
        if value != "up":
            for s in self._open:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self._open.clear()

    def _accept(self):
        while not self._stop:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            if self.mode == "down":
                client.close()
            elif self.mode == "slow":
                self._held.append(client)
            else:
                threading.Thread(target=self._pipe_pair, args=(client,), daemon=True).start()

    def _pipe_pair(self, client):
        try:
            upstream = socket.create_connection(self.target, timeout=30)
        except OSError:
            client.close()
            return
        self._open += [client, upstream]
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self):
        self._stop = True
        self.sock.close()
        for s in self._held:
            s.close()


@pytest.fixture
def relay(orthanc):
    from urllib.parse import urlparse

    r = Relay(urlparse(orthanc.base).port)
    yield r
    r.close()


class FhirEndpoint:
    """Accepts ``POST /DiagnosticReport`` as a FHIR server would: the body must parse as an R4B
    DiagnosticReport (fhir.resources), else 400 with an OperationOutcome; 201 + Location."""

    def __init__(self):
        self.received: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                from cxrgen.pacs.fhir import validate

                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    resource = json.loads(body)
                    if self.path != "/DiagnosticReport":
                        raise ValueError(f"unexpected path {self.path}")
                    validate(resource)
                except Exception as exc:  # the endpoint reports, as a server would
                    self._answer(400, {"resourceType": "OperationOutcome", "issue": [
                        {"severity": "error", "code": "invalid", "diagnostics": str(exc)}]})
                    return
                outer.received.append(resource)
                self._answer(201, {**resource, "id": str(len(outer.received))},
                             location=f"DiagnosticReport/{len(outer.received)}")

            def _answer(self, status, body, location=None):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/fhir+json")
                self.send_header("Content-Length", str(len(data)))
                if location:
                    self.send_header("Location", location)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fhir_endpoint():
    ep = FhirEndpoint()
    yield ep
    ep.close()


def wait_for(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what} not reached after {timeout} s")
