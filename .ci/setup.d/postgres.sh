#!/usr/bin/env bash
# PostgreSQL for the review-service tests (tests/serve): Debian's postgresql, listening on
# loopback only, with a role and database "cxrgen_test". The URL is written to .ci/pg_url
# (gitignored), which tests/serve/conftest.py reads: .ci/run starts this script in a subshell,
# so an exported variable would not reach `make test`.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
# loopback only; the cluster's default port (5432 for the first cluster)
sed -i "s/^#\?listen_addresses.*/listen_addresses = '127.0.0.1'/" "/etc/postgresql/$version/main/postgresql.conf"
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main restart
for _ in $(seq 30); do pg_isready -h 127.0.0.1 -p "$port" -q && break; sleep 0.5; done
password=cxrgen_test
# CREATEDB: each test module creates and drops its own database
su postgres -c "psql -p $port -q -v ON_ERROR_STOP=1" <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cxrgen_test') THEN
    CREATE ROLE cxrgen_test LOGIN CREATEDB PASSWORD '$password';
  END IF;
END \$\$;
SQL
su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname='cxrgen_test'\"" | grep -q 1 \
    || su postgres -c "createdb -p $port -O cxrgen_test cxrgen_test"
echo "postgresql+psycopg://cxrgen_test:$password@127.0.0.1:$port/cxrgen_test" > .ci/pg_url
echo "PostgreSQL $version on 127.0.0.1:$port; URL in .ci/pg_url"
