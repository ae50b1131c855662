#!/bin/sh
# sandbox_corpus.sh - the escape and exhaustion attempts of tests/sandbox.
# Usage: sh sandbox_corpus.sh ROISIM_BINARY SOURCE_DIR WORK_DIR
exec sh "$2/tests/sandbox/run.sh" "$1" "$2/tests/sandbox" "$3"
