#!/usr/bin/env bash
# Builds the bundle at $1/bundle (git cannot store it); anything else goes beside it in $1.
source "$(dirname "$0")/../common.sh"
out=$1
valid_bundle "$out/bundle"
rm "$out/bundle/payloads/1.json"
mkfifo "$out/bundle/payloads/1.json"
