#!/usr/bin/env bash
# test_admin.sh — operators' commands against a real broker and echo worker:
# a job failing retryably past its attempts is dead-lettered with its history,
# listed, and retried by admin to success; pause/resume hold and release a
# queue; scale resizes a worker's pools live; drain stops its new work.
novaq="${NQ_BUILDDIR:-.}/novaq"
tmp="${NQ_TEST_TMPDIR:-/tmp}"
n=0; fail=0
ok () { n=$((n+1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
echo "1..14"
for v in $(env | sed -n 's/^\(NOVAQ_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
port () { while :; do p=$(( 10000 + $(od -An -N2 -tu2 /dev/urandom) % 22000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
export NOVAQ_FRONTEND="tcp://127.0.0.1:$(port)" NOVAQ_BACKEND="tcp://127.0.0.1:$(port)"
export NOVAQ_HTTP=off NOVAQ_LOG_FORMAT=json NOVAQ_HEARTBEAT=200ms NOVAQ_MAX_ATTEMPTS=2 NOVAQ_RETRY_BASE=20ms NOVAQ_FALLBACK_MODELS="big=small"
"$novaq" broker >"$tmp/broker.log" 2>&1 & broker=$!
"$novaq" worker --echo --slots 2 --worker-id ops-w >"$tmp/worker.log" 2>&1 & worker=$!
trap 'kill $worker $small $broker 2>/dev/null; wait 2>/dev/null' EXIT
i=0; until "$novaq" status --timeout 1s 2>/dev/null | grep -q "ops-w"; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
if ! "$novaq" status --timeout 2s 2>/dev/null | grep -q "ops-w"; then
  echo "Bail out! the broker or the worker did not start (see $tmp/broker.log, $tmp/worker.log)"; exit 1
fi

# Two attempts fail (the limit is 2): dead-lettered, with both attempts in its history.
"$novaq" submit chat --timeout 20s --model m '!fail-until=2 finally' >"$tmp/dead.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "gave up after 2 attempts" "$tmp/dead.out"; ok $? "a job failing retryably past its attempts ends dead (exit 1)"
id=$(sed -n 's/^novaq: job \([0-9a-f-]*\) accepted.*/\1/p' "$tmp/dead.out")
"$novaq" dlq list --json >"$tmp/dlq.json" 2>&1
grep -q "\"job_id\": \"$id\"" "$tmp/dlq.json" && [ "$(grep -c '"attempt":' "$tmp/dlq.json")" -eq 2 ]
ok $? "novaq dlq list shows it with the history of its 2 attempts"
"$novaq" dlq list >"$tmp/dlq.txt" 2>&1; grep -q "attempt 2 on" "$tmp/dlq.txt"; ok $? "novaq dlq list prints the attempts for people"
"$novaq" jobs show "$id" --json | grep -q '"status": "dead"'; ok $? "novaq jobs show --json says status dead"
"$novaq" dlq retry "$id" >/dev/null 2>&1; rc=$?
i=0; until "$novaq" jobs show "$id" --json 2>/dev/null | grep -q '"status": "succeeded"'; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
[ $rc -eq 0 ] && "$novaq" jobs show "$id" --json | grep -q '"status": "succeeded"'; ok $? "novaq dlq retry queues it again and attempt 3 succeeds"
"$novaq" dlq retry "$id" >/dev/null 2>&1; [ $? -eq 1 ]; ok $? "retrying a job that is not dead is refused"

# pause holds the queue; resume releases it.
"$novaq" pause chat m >/dev/null; ok $? "novaq pause chat m"
held=$("$novaq" submit chat --timeout 20s --model m --no-wait held)
sleep 0.3
"$novaq" jobs show "$held" --json | grep -q '"status": "queued"'; ok $? "a job for a paused queue stays queued"
"$novaq" resume chat m >/dev/null
i=0; until "$novaq" jobs show "$held" --json 2>/dev/null | grep -q '"status": "succeeded"'; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
"$novaq" jobs show "$held" --json | grep -q '"status": "succeeded"'; ok $? "novaq resume releases it"

# scale: the chat pool grows from 2 to 5 slot actors, and the broker sees it.
"$novaq" scale ops-w chat=5 >/dev/null; rc=$?
i=0; until "$novaq" status --json 2>/dev/null | tr -d ' \n' | grep -q '"kinds":\["chat"\],"models":\[\],"warm":\[\],"capacity":5'; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
[ $rc -eq 0 ] && "$novaq" status --json | tr -d ' \n' | grep -q '"kinds":\["chat"\],"models":\[\],"warm":\[\],"capacity":5'
ok $? "novaq scale ops-w chat=5 raises its chat capacity to 5"
"$novaq" scale ops-w chat=notanumber >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "a malformed scale request is refused (exit 2)"

# fallback: with no healthy slot for "big" (ops-w's chat credit is 0), a big job runs on "small".
"$novaq" worker --echo --slots 1 --models small --worker-id small-w >"$tmp/small.log" 2>&1 & small=$!
i=0; until "$novaq" status --timeout 1s 2>/dev/null | grep -q "^small-w "; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
"$novaq" scale ops-w chat=0 >/dev/null
i=0; until "$novaq" status --json 2>/dev/null | tr -d ' \n' | grep -q '"name":"ops-w".*"kinds":\["chat"\],"models":\[\],"warm":\[\],"capacity":0'; do i=$((i+1)); [ $i -gt 50 ] && break; sleep 0.1; done
"$novaq" submit chat --timeout 20s --model big --json "fall back" 2>/dev/null | grep -q '"model_used": "small"'
ok $? "with no healthy slot for its model a job runs on the fallback; model_used says so"
"$novaq" submit chat --timeout 2s --model nobody "stays" >/dev/null 2>&1; [ $? -eq 4 ]
ok $? "a model with no slot and no fallback waits (the client's deadline passes)"

# drain: the worker gets no new work.
"$novaq" drain ops-w >/dev/null && "$novaq" status | grep -q "ops-w *draining"; ok $? "novaq drain ops-w marks it draining"
exit $fail
