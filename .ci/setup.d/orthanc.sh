#!/usr/bin/env bash
# Orthanc, a real PACS, for the DICOMweb tests (tests/pacs): Debian's `orthanc` with the
# `orthanc-dicomweb` plugin (QIDO-RS, WADO-RS, STOW-RS), started on loopback with a throw-away
# configuration: HTTP only (no DICOM port), authentication on, storage in a temporary folder.
#
# Writes .ci/orthanc.env (gitignored), which tests/pacs/conftest.py reads (.ci/run starts this
# script in a subshell, so an exported variable would not reach `make test`):
#   CXRGEN_TEST_ORTHANC_URL, _USER, _PASSWORD, _DIR, _PID
# Idempotent: a running instance that answers with the recorded credentials is kept. Also run by
# `make orthanc` for developers; `make orthanc-stop` stops it.
#
# Lua filter (orthanc.lua below): while the file $dir/reject-stow exists, Orthanc refuses every
# incoming Structured Report; the tests use it to see a STOW-RS rejected by the PACS itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
envfile=.ci/orthanc.env
port=${CXRGEN_ORTHANC_PORT:-18042}

answers() {  # $1 url, $2 user, $3 password
    curl -sf -m 3 -u "$2:$3" "$1/system" >/dev/null 2>&1
}

if [ -f "$envfile" ]; then
    # shellcheck disable=SC1090
    . "$envfile"
    if answers "$CXRGEN_TEST_ORTHANC_URL" "$CXRGEN_TEST_ORTHANC_USER" "$CXRGEN_TEST_ORTHANC_PASSWORD"; then
        echo "Orthanc already running at $CXRGEN_TEST_ORTHANC_URL (pid $CXRGEN_TEST_ORTHANC_PID)"
        exit 0
    fi
    # a stale record: its Orthanc is gone; drop its throw-away storage
    case "${CXRGEN_TEST_ORTHANC_DIR:-}" in /tmp/cxrgen-orthanc.*) rm -rf "$CXRGEN_TEST_ORTHANC_DIR" ;; esac
    kill "${CXRGEN_TEST_ORTHANC_PID:-0}" 2>/dev/null || true
fi

if ! command -v Orthanc >/dev/null 2>&1 || [ ! -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # the package's own service is not used (no init system in CI; policy-rc.d may deny it)
    apt-get install -y -qq --no-install-recommends orthanc orthanc-dicomweb curl >/dev/null
    # where an init system let the package start its own Orthanc (port 8042), stop it
    invoke-rc.d orthanc stop >/dev/null 2>&1 || true
fi

dir=$(mktemp -d /tmp/cxrgen-orthanc.XXXXXX)
password=$(head -c 18 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
mkdir -p "$dir/config" "$dir/storage"
cat > "$dir/orthanc.lua" <<LUA
function ReceivedInstanceFilter(dicom, origin, info)
  local f = io.open("$dir/reject-stow", "r")
  if f ~= nil and dicom.Modality == "SR" then
    f:close()
    return false
  end
  if f ~= nil then f:close() end
  return true
end
LUA
cat > "$dir/config/orthanc.json" <<JSON
{
  "Name": "cxrgen-test-pacs",
  "StorageDirectory": "$dir/storage",
  "IndexDirectory": "$dir/storage",
  "HttpPort": $port,
  "RemoteAccessAllowed": false,
  "AuthenticationEnabled": true,
  "RegisteredUsers": { "cxrgen": "$password" },
  "DicomServerEnabled": false,
  "DicomPort": 0,
  "HttpTimeout": 30,
  "LuaScripts": ["$dir/orthanc.lua"],
  "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": false,
                "Host": "127.0.0.1:$port", "Ssl": false, "StudiesMetadata": "Full",
                "SeriesMetadata": "Full" }
}
JSON
nohup Orthanc "$dir/config" > "$dir/orthanc.log" 2>&1 &
pid=$!
url="http://127.0.0.1:$port"
for _ in $(seq 60); do
    answers "$url" cxrgen "$password" && break
    kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/orthanc.log" >&2; exit 1; }
    sleep 0.5
done
answers "$url" cxrgen "$password" || { echo "Orthanc did not answer on $url" >&2; exit 1; }
curl -sf -m 3 -u "cxrgen:$password" "$url/dicom-web/studies" >/dev/null \
    || { echo "Orthanc answers but its DICOMweb plugin does not" >&2; exit 1; }
umask 077
cat > "$envfile" <<ENV
CXRGEN_TEST_ORTHANC_URL=$url
CXRGEN_TEST_ORTHANC_USER=cxrgen
CXRGEN_TEST_ORTHANC_PASSWORD=$password
CXRGEN_TEST_ORTHANC_DIR=$dir
CXRGEN_TEST_ORTHANC_PID=$pid
ENV
echo "Orthanc $(Orthanc --version | head -1 | awk '{print $2}') with DICOMweb on $url (pid $pid, storage $dir); credentials in $envfile"
