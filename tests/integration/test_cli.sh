#!/bin/sh
# test_cli.sh — the novaq binary's user contract: help, version, config check
# and its exit statuses (0 ok, 2 bad configuration or usage).
novaq="${NQ_BUILDDIR:-.}/novaq"
n=0
fail=0
ok () { n=$((n+1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
echo "1..14"
tmp="${NQ_TEST_TMPDIR:-/tmp}"
# Run with a clean environment of NOVAQ_* settings.
for v in $(env | sed -n 's/^\(NOVAQ_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done

"$novaq" --help >"$tmp/help" 2>&1; rc=$?
grep -q "config" "$tmp/help" && grep -q "version" "$tmp/help"; ok $(( rc + $? )) "novaq --help lists the commands and exits 0"

"$novaq" >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "novaq with no command exits 2"

"$novaq" frobnicate >"$tmp/err" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "unknown command 'frobnicate'" "$tmp/err"; ok $? "an unknown command exits 2 and says so"

"$novaq" version >"$tmp/version"; rc=$?
[ $rc -eq 0 ] && grep -q "^novaq [0-9]" "$tmp/version"; ok $? "novaq version prints the version"

"$novaq" version --json >"$tmp/version.json"; rc=$?
[ $rc -eq 0 ] && grep -q '"protocol": *"NQP1"' "$tmp/version.json"; ok $? "novaq version --json"

"$novaq" config check >"$tmp/check" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "NOVAQ_FRONTEND *tcp://127.0.0.1:5555 *default" "$tmp/check"; ok $? "config check prints defaults and exits 0"

NOVAQ_LOG_LEVEL=loud "$novaq" config check >"$tmp/bad" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "NOVAQ_LOG_LEVEL: 'loud' is not one of" "$tmp/bad"; ok $? "a bad level exits 2 naming the setting"

NOVAQ_FRONTEND=tcp://127.0.0.1:0 "$novaq" config check >"$tmp/bad" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "NOVAQ_FRONTEND" "$tmp/bad"; ok $? "a bad endpoint exits 2 naming the setting"

NOVAQ_DATABASE_URL='postgresql://novaq:hunter2@db.internal:5432/novaq' "$novaq" config check >"$tmp/secret" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'postgresql://novaq:\*\*\*@db.internal:5432/novaq' "$tmp/secret" && ! grep -q hunter2 "$tmp/secret"
ok $? "config check masks the database password"

printf 'tok-3f9a-very-secret\n' >"$tmp/token"
NOVAQ_TOKEN_FILE="$tmp/token" "$novaq" config check --json >"$tmp/secret.json" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '"NOVAQ_TOKEN"' "$tmp/secret.json" && ! grep -q very-secret "$tmp/secret.json"
ok $? "a secret read through NOVAQ_TOKEN_FILE is never printed"

printf 'NOVAQ_LOG_LEVEL=warn\nNOVAQ_HTTP=off\n' >"$tmp/novaq.conf"
"$novaq" config check --config "$tmp/novaq.conf" >"$tmp/file" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "NOVAQ_HTTP *off *file:$tmp/novaq.conf:2" "$tmp/file"; ok $? "config check --config reads the file and names the line"

printf 'NOVAQ_LOG_LEVL=warn\n' >"$tmp/typo.conf"
NOVAQ_CONFIG="$tmp/typo.conf" "$novaq" config check >"$tmp/typo" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "NOVAQ_LOG_LEVL: unknown setting" "$tmp/typo"; ok $? "a typo in the file exits 2"

NOVAQ_LOGLEVEL=debug "$novaq" config check >"$tmp/warn" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "NOVAQ_LOGLEVEL: unknown setting in the environment" "$tmp/warn"; ok $? "an unknown NOVAQ_ variable is warned about"

"$novaq" config check --help >"$tmp/chelp" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q "Usage: novaq config check" "$tmp/chelp"; ok $? "config check --help"
exit $fail
