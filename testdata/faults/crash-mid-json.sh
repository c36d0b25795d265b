#!/bin/sh
# crash-mid-json.sh: writes ok.json up to the middle of the session token,
# then dies of SIGSEGV. Run it with exec so that the signal ends the process
# credprocess started.
head -c 150 "$(dirname "$0")/ok.json"
kill -SEGV $$
