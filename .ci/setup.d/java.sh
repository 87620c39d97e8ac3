#!/usr/bin/env bash
# Java for the metric parity tests only: pycocoevalcap's PTBTokenizer (Stanford CoreNLP) and its
# METEOR 1.5 are Java programs. cxrgen itself never needs Java; without it those tests skip.
# Installs Debian's default-jre-headless only when `java` is missing.
set -euo pipefail
if command -v java >/dev/null 2>&1; then
    echo "java already installed: $(java -version 2>&1 | head -1)"
    exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq default-jre-headless >/dev/null
echo "installed $(java -version 2>&1 | head -1)"
