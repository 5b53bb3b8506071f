#!/usr/bin/env bash
# test_serve.sh — `novaq serve --echo`: one process is a whole novaq (broker
# and worker over inproc), jobs run end to end, other workers may still join
# over TCP, and SIGTERM drains and exits 0.
novaq="${NQ_BUILDDIR:-.}/novaq"
tmp="${NQ_TEST_TMPDIR:-/tmp}"
n=0; fail=0
ok () { n=$((n+1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
echo "1..11"
for v in $(env | sed -n 's/^\(NOVAQ_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
port () { while :; do p=$(( 10000 + $(od -An -N2 -tu2 /dev/urandom) % 22000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
export NOVAQ_FRONTEND="tcp://127.0.0.1:$(port)" NOVAQ_BACKEND="tcp://127.0.0.1:$(port)" NOVAQ_LOG_FORMAT=json
export NOVAQ_HTTP="127.0.0.1:$(port)"
"$novaq" serve --echo --slots 2 >"$tmp/serve.log" 2>&1 & serve=$!
trap 'kill -9 $serve $extra 2>/dev/null; wait 2>/dev/null' EXIT
i=0; until "$novaq" status --timeout 1s 2>/dev/null | grep -q "^serve "; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
"$novaq" status | grep -q "^serve  *ready"; ok $? "novaq serve runs a broker with its own worker"
out=$("$novaq" submit chat --timeout 20s --model m "all in one" 2>/dev/null); ok $(( $? != 0 )) "a chat job runs end to end"
[ "$out" = "all in one" ]; ok $? "its answer comes back"
"$novaq" submit chat --timeout 20s --model m --reflect "think about it" >/dev/null 2>&1; ok $? "a chat job that asks for a reflection succeeds"
i=0; until "$novaq" status --json 2>/dev/null | grep -q '"succeeded": 3'; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
grep -q '"event":"reflection_queued"' "$tmp/serve.log" && "$novaq" status --json | grep -q '"succeeded": 3'
ok $? "the broker queued the follow-up reflection and it ran"
curl -fs "http://$NOVAQ_HTTP/health" | grep -q '"status":"ok"'; ok $? "GET /health answers ok"
curl -fs "http://$NOVAQ_HTTP/metrics" >"$tmp/metrics.txt"
grep -q '^novaq_jobs_total{event="succeeded"} 3$' "$tmp/metrics.txt" && grep -q '^novaq_slots{worker="serve",instance="echo",kind="chat"} 2$' "$tmp/metrics.txt" \
  && grep -q '^# TYPE novaq_queue_depth gauge$' "$tmp/metrics.txt"
ok $? "GET /metrics: Prometheus text with job counters and slots"
NOVAQ_FRONTEND="tcp://127.0.0.1:$(port)" NOVAQ_BACKEND="tcp://127.0.0.1:$(port)" timeout 10 "$novaq" broker >"$tmp/second.log" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q '"event":"http_bind_failed"' "$tmp/second.log"
ok $? "a second broker on the same NOVAQ_HTTP refuses to start (exit 1, http_bind_failed)"
"$novaq" worker --echo --slots 1 --worker-id extra >"$tmp/extra.log" 2>&1 & extra=$!
i=0; until "$novaq" status --timeout 1s 2>/dev/null | grep -q "^extra "; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
"$novaq" status | grep -q "^extra  *ready"; ok $? "another worker joins over TCP"
kill -TERM $extra; wait $extra 2>/dev/null
kill -TERM $serve; wait $serve; rc=$?
[ $rc -eq 0 ]; ok $? "SIGTERM drains and novaq serve exits 0"
grep -q '"event":"worker_drained"' "$tmp/serve.log"; ok $? "its worker drained before it stopped"
exit $fail
