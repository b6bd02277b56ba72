#!/usr/bin/env bash
# Installs every Debian package (and, later, npm package) Strata needs to build, test and benchmark.
# Idempotent: when everything is present it only checks and exits within a second.
# Each package is listed once, with the reason it is needed; the README's "Dependencies" mirrors it.
set -euo pipefail

DEBIAN_PACKAGES=(
  # build toolchain
  cmake ninja-build g++ make pkg-config ccache python3
  clang-14 libclang-rt-14-dev   # the Clang build: ASan+UBSan unit tests and the libFuzzer targets
  clang-format clang-tidy       # make format, static checks
  # libraries
  libfmt-dev                    # formatting
  libasio-dev                   # standalone Asio: event loops, coroutines (objstore, server)
  libcli11-dev                  # the strata command line
  libgtest-dev libgmock-dev     # unit tests
  zlib1g-dev libsnappy-dev liblz4-dev libzstd-dev  # record batch codecs: gzip, snappy, lz4, zstd
  nlohmann-json3-dev            # JSON (test data now; admin API and backup metadata later)
  libbenchmark-dev              # micro-benchmarks (bench/)
  libcurl4-openssl-dev          # HTTP for the S3/GCS object store backend (CURLOPT_AWS_SIGV4 signing)
  libssl-dev                    # SHA-256 payload hashes and MD5 (Content-MD5, ETags) of the S3 backend
  libpugixml-dev                # the S3 API's XML documents (listings, multipart, batch delete, errors)
  librdkafka-dev                # the admin tools (strata topics, configs, consumer-groups) speak to any Kafka cluster through librdkafka's admin API
  awscli                        # tests only: s3_object_store_test reads and writes objects with /usr/bin/aws
  # machine limits measured by make bench
  iperf3                        # loopback TCP bandwidth
  fio                           # sequential disk write bandwidth, with and without fsync
  # real Kafka clients, used to capture golden protocol bytes (tools/capture-golden) and by tests
  kcat                          # librdkafka's command line client
  python3-kafka                 # kafka-python
  python3-confluent-kafka       # confluent-kafka-python (librdkafka), broker integration tests
  python3-prometheus-client     # tests only: parses the broker's /metrics with Prometheus' own parser
)

# npm packages the tests use, from tools/package.json and its package-lock.json into
# tools/node_modules (project-local, nothing global; README "Dependencies"):
#   azurite                     # the Azure Blob emulator that azure_object_store_test runs against
#   kafkajs                     # a pure-JavaScript Kafka client, a fourth client the broker tests use
# Quick when present: npm's own record of an install is newer than the lock file it came from.
install_npm_packages() {
  local tools
  tools="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)"
  if [[ $tools/node_modules/.package-lock.json -nt $tools/package-lock.json ]]; then
    return 0
  fi
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-deps: installing nodejs npm"
    ${SUDO:-$([[ $(id -u) -ne 0 ]] && echo sudo)} env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends nodejs npm </dev/null
  fi
  echo "install-deps: npm ci in tools/ (azurite)"
  (cd "$tools" && npm ci --no-audit --no-fund --loglevel=error </dev/null)
}

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  install_npm_packages
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# apt-get update once per machine (or when the package lists are older than a day).
if [[ ! -d /var/lib/apt/lists/partial || -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null | head -1) ]]; then
  $SUDO apt-get update -qq
fi
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null; then
  # Stale lists are the usual cause: refresh and retry once.
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi
install_npm_packages
