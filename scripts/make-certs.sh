#!/usr/bin/env bash
# Makes a private certificate authority and the certificates raamatch needs,
# with the `openssl` command. For the demo and the tests, or to try TLS before
# a council's real certificates arrive; see docs/operator.md, "TLS".
#
#   scripts/make-certs.sh DIR [MEMBER...]
#
# Writes, in DIR (created if missing; mode 0700):
#   ca.crt, ca.key          the CA (reused if DIR already holds one)
#   server.crt, server.key  raamatchd's certificate, for localhost, 127.0.0.1
#                           and ::1, plus the names in RAA_CERT_HOSTS
#                           (space-separated DNS names or IP addresses)
#   members/MEMBER.crt, members/MEMBER.key
#                           a client certificate per member, subject CN =
#                           MEMBER (the member's authority id; the hub's id
#                           for the manager's certificate), for raamatchd
#                           --client-ca DIR/ca.crt
# Keys are EC P-256, unencrypted, mode 0600. Certificates last RAA_CERT_DAYS
# days (default 365).
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: $0 DIR [MEMBER...]" >&2
  exit 2
fi
dir=$1
shift
days=${RAA_CERT_DAYS:-365}
umask 077
mkdir -p "$dir/members"

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

# Signs a request for subject CN=$2 with the CA, with the extensions in $3.
issue() {
  local name=$1 cn=$2 extensions=$3
  new_key "$name.key"
  openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
  printf '%b\n' "$extensions" >"$name.ext"
  openssl x509 -req -in "$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -set_serial "0x$(openssl rand -hex 16)" -days "$days" \
    -extfile "$name.ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

if [ ! -f "$dir/ca.key" ]; then
  new_key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -subj "/CN=raamatch private CA" \
    -days "$days" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign -out "$dir/ca.crt"
fi

san="DNS:localhost,IP:127.0.0.1,IP:::1"
for host in ${RAA_CERT_HOSTS:-}; do
  if [[ $host =~ ^[0-9.]+$ || $host == *:* ]]; then san+=",IP:$host"; else san+=",DNS:$host"; fi
done
issue "$dir/server" localhost \
  "subjectAltName=$san\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment"

for member in "$@"; do
  issue "$dir/members/$member" "$member" \
    "extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature,keyEncipherment"
done
chmod 0644 "$dir"/*.crt
[ $# -eq 0 ] || chmod 0644 "$dir"/members/*.crt
