#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's corpus/: each bundle with a manifest, its log and
# its first payload, joined by 0xFF bytes (the split fuzz_targets/common.rs undoes).
set -euo pipefail
cd "$(dirname "$0")"
for target in reader reducer check; do mkdir -p "corpus/$target"; done
find ../corpus -name manifest.json -type f | while read -r manifest; do
    dir=$(dirname "$manifest")
    name=$(echo "${dir#../corpus/}" | tr / _)
    payload=$(ls "$dir"/payloads/*.json 2>/dev/null | head -n 1 || true)
    for target in reader reducer check; do
        { cat "$manifest"; printf '\xff'; cat "$dir/trace.jsonl" 2>/dev/null || true; printf '\xff';
          [ -n "$payload" ] && cat "$payload"; } > "corpus/$target/$name"
    done
done
