#!/usr/bin/env bash
# Installs what the project needs on a Debian 12 machine (as root), skipping what is already there.
#   scripts/setup.sh run    -> what ./run.sh needs
#   scripts/setup.sh test   -> what ./test.sh needs (adds chromium, sipp, tshark)
set -euo pipefail
mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
# libldap: System.DirectoryServices.Protocols loads it at run time for LDAP login (HOMER_LDAP_*).
for p in postgresql libpcap0.8 libldap-2.5-0 curl; do have_pkg "$p" || need+=("$p"); done
if [ "$mode" = test ]; then
  # slapd + ldap-utils: the LDAP login tests start a throwaway OpenLDAP server of their own.
  for p in chromium sip-tester tshark slapd ldap-utils; do have_pkg "$p" || need+=("$p"); done
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "Missing Debian packages: ${need[*]} (run as root, or apt-get install them)" >&2; exit 1
  fi
  echo "==> apt-get install ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # tshark asks whether non-root users may capture; answer once, non-interactively.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
  # slapd: no system directory of its own; the tests configure theirs in a temporary folder.
  echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v dotnet >/dev/null || { echo "The .NET SDK 10 is required (dotnet not on PATH)" >&2; exit 1; }
command -v npm >/dev/null || { echo "Node.js 20 and npm are required" >&2; exit 1; }

dash="$root/src/Homer.Dashboard"
if [ -f "$dash/package.json" ]; then
  # npm ci only when the lock file changed since the last install.
  stamp="$dash/node_modules/.homer-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$dash/package-lock.json" "$stamp"; then
    echo "==> npm ci (dashboard)"
    (cd "$dash" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$dash/package-lock.json" "$stamp"
  fi
fi
if [ "$mode" = test ] && [ -f "$root/tests/oracle/package.json" ]; then
  stamp="$root/tests/oracle/node_modules/.homer-lock-stamp"
  if [ ! -f "$stamp" ] || ! cmp -s "$root/tests/oracle/package-lock.json" "$stamp"; then
    echo "==> npm ci (tests/oracle)"
    (cd "$root/tests/oracle" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$root/tests/oracle/package-lock.json" "$stamp"
  fi
fi
