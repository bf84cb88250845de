#!/bin/bash
# The README's "Using it" steps as a new user types them: its program saved
# as main.go in a new folder, then its shell lines, with /path/to/mpigo this
# repository; the program's output checked against what the README says.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
. ./openmpi.env
section=$(awk '/^## Using it$/{f=1;print;next} f&&/^## /{exit} f' README.md)
echo "$section" | awk '/^```go$/{f=1;next} /^```$/{if(f){exit}} f' >"$dir/main.go"
steps=$(echo "$section" | awk '/^```sh$/{f=1;next} /^```$/{if(f){exit}} f')
[ -s "$dir/main.go" ] && [ -n "$steps" ] || { echo "test-readme: no program or steps in the README's 'Using it'" >&2; exit 1; }
want=$(echo "$steps" | sed -n 's/.*# prints: //p')
mkdir "$dir/hello"
mv "$dir/main.go" "$dir/hello/"
cd "$dir/hello"
out=$(echo "$steps" | sed "s|/path/to/mpigo|$repo|g; s|#.*||" | timeout -k 5 300 bash -e 2>&1) || { echo "$out" >&2; echo "test-readme: the steps failed" >&2; exit 1; }
echo "$out" | grep -qxF "$want" || { echo "$out" >&2; echo "test-readme: the program did not print: $want" >&2; exit 1; }
echo "test-readme: PASS (a new module built from the README's steps printed: $want)"
