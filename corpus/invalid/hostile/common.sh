# Sourced by each case's make.sh: `valid_bundle DIR` copies the valid bundle every case starts from.
set -euo pipefail
valid=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../valid/cancelled_inference" && pwd)
valid_bundle() {
    mkdir -p "$1/payloads"
    cp "$valid/manifest.json" "$valid/trace.jsonl" "$1/"
    cp "$valid"/payloads/*.json "$1/payloads/"
}
