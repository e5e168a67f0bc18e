#!/usr/bin/env bash
# Builds the bundle at $1/bundle (git cannot store it); anything else goes beside it in $1.
source "$(dirname "$0")/../common.sh"
out=$1
valid_bundle "$out/bundle"
log="$out/bundle/trace.jsonl"
head -n 5 "$valid/trace.jsonl" > "$log"
{ printf "{\"x\":\""; head -c 100000000 /dev/zero | tr "\\0" a; printf "\"}\n"; } >> "$log"
tail -n +6 "$valid/trace.jsonl" >> "$log"
