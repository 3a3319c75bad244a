#!/bin/sh
# Runs a program (the README's C block, an example) with MONGO_USER and MONGO_PASSWORD unset
# against the test server, which requires SCRAM authentication: a program that checks every
# call's result must stop with exit status 1 and name the error (MONGO_ODM_ERROR_*); one that
# ignores a result goes on and "succeeds" (issue 17: the README's block printed "saved <id>").
#   run_without_credentials.sh <program> [args...]
unset MONGO_USER MONGO_PASSWORD
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -ne 1 ]; then
  echo "expected exit status 1 without credentials, got $rc"
  exit 1
fi
if ! printf '%s\n' "$out" | grep -q "MONGO_ODM_ERROR_"; then
  echo "exit status 1 but no MONGO_ODM_ERROR_* name in the output"
  exit 1
fi
echo "failed as it should, with the error named"
