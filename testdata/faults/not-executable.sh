#!/bin/sh
# Deliberately not executable: running it directly fails with status 126.
cat "$(dirname "$0")/ok.json"
