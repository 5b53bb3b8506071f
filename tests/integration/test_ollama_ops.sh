#!/usr/bin/env bash
# test_ollama_ops.sh — a broker and `novaq worker` processes serving
# ollama-sim instances, as operators run them:
#  - scaling embed actors from 1 to 4 at run time raises the simulator's
#    observed concurrency to 4; shrinking lowers it and no job fails;
#  - warm-first: model X loaded on one instance and Y on another, 100 jobs for
#    each cause no model swap;
#  - a fallback model runs the job when every instance of the primary has its
#    breaker open, and model_used says so;
#  - a worker SIGTERMed mid-run loses nothing: its leases are handed back and
#    complete on the other worker.
novaq="${NQ_BUILDDIR:-.}/novaq"
sim="${NQ_BUILDDIR:-.}/tools/ollama-sim/ollama-sim"
tmp="${NQ_TEST_TMPDIR:-/tmp}"
n=0; fail=0
ok () { n=$((n+1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
echo "1..15"
for v in $(env | sed -n 's/^\(NOVAQ_[A-Z_]*\)=.*/\1/p'); do unset "$v"; done
port () { while :; do p=$(( 10000 + $(od -An -N2 -tu2 /dev/urandom) % 22000 )); (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }; done; }
pids=""
trap 'kill -9 $pids 2>/dev/null; wait 2>/dev/null' EXIT

# sim_start VAR ARGS…: starts a simulator on a free port; VAR gets its URL.
sim_start () {
  local var=$1; shift
  local p; p=$(port)
  "$sim" --listen "127.0.0.1:$p" --seed 7 "$@" >"$tmp/sim-$var.log" 2>&1 &
  pids="$pids $!"
  eval "${var}_pid=$!"
  eval "$var=http://127.0.0.1:$p"
  local i=0
  until curl -fs "http://127.0.0.1:$p/api/version" >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 100 ] && break; sleep 0.05; done
}
# stat URL FIELD: a top-level counter of /_sim/stats.
stat () { curl -fs "$1/_sim/stats" | grep -o "\"$2\":[0-9]*" | head -1 | cut -d: -f2; }
# wait_for SECONDS COMMAND…: polls until COMMAND succeeds.
wait_for () { local t=$(( $1 * 10 )); shift; local i=0; until "$@" >/dev/null 2>&1; do i=$((i+1)); [ $i -gt $t ] && return 1; sleep 0.1; done; }
worker_ready () { "$novaq" status --timeout 1s 2>/dev/null | grep -q "^$1  *ready"; }
# capacity WORKER INSTANCE KIND: the slots the broker sees that group offer.
capacity () {
  "$novaq" status --json 2>/dev/null | tr -d ' \n' \
    | grep -o "\"name\":\"$1\".*" | grep -o "\"instance\":\"$2\",\"kinds\":\[\"$3\"\][^}]*\"capacity\":[0-9]*" \
    | head -1 | sed 's/.*"capacity"://'
}
all_done () {   # every id in file $1 succeeded
  local id
  while read -r id; do
    "$novaq" jobs show "$id" --json 2>/dev/null | grep -q '"status": "succeeded"' || return 1
  done <"$1"
}
none_open () {  # no id in file $1 is still queued or running
  local id
  while read -r id; do
    "$novaq" jobs show "$id" --json 2>/dev/null | grep -q '"status": "\(queued\|running\)"' && return 1
  done <"$1"
  return 0
}

export NOVAQ_FRONTEND="tcp://127.0.0.1:$(port)" NOVAQ_BACKEND="tcp://127.0.0.1:$(port)"
export NOVAQ_HTTP=off NOVAQ_LOG_FORMAT=json NOVAQ_HEARTBEAT=200ms NOVAQ_RETRY_BASE=20ms NOVAQ_RETRY_MAX=200ms
export NOVAQ_MAX_ATTEMPTS=5 NOVAQ_OLLAMA_PROBE=200ms NOVAQ_BREAKER_FAILURES=2 NOVAQ_BREAKER_OPEN=60s
export NOVAQ_FALLBACK_MODELS="big:7b=small:1b"
"$novaq" broker >"$tmp/broker.log" 2>&1 & broker=$!; pids="$pids $broker"

# --- Scaling embed actors ------------------------------------------------------
# Each embed call takes ~200 ms (20 prompt tokens at 100 tokens/s), so four
# actors keep four requests in the simulator at once.
sim_start E --model "all-minilm,prompt_tps=100"
NOVAQ_OLLAMA="e0=$E;slots=1;embed=1;reflect=1" "$novaq" worker --worker-id emb-w >"$tmp/emb-w.log" 2>&1 &
emb=$!; pids="$pids $emb"
wait_for 10 worker_ready emb-w
wait_for 10 test "$(capacity emb-w e0 embed)" = 1
[ "$(capacity emb-w e0 embed)" = 1 ]; ok $? "a worker with embed=1 offers one embed slot for its instance"
text="eighty bytes of text to embed, padded out so each call takes a while: abcdefghij"
: >"$tmp/emb.ids"
for i in $(seq 1 40); do
  "$novaq" submit embed --model all-minilm --no-wait "$i $text" >>"$tmp/emb.ids" 2>>"$tmp/emb.err"
done
sleep 1
[ "$(stat "$E" max_in_flight)" = 1 ]; ok $? "with one embed actor the simulator sees one request at a time"
"$novaq" scale emb-w embed=4 >/dev/null 2>&1; ok $? "novaq scale emb-w embed=4"
wait_for 10 test "$(capacity emb-w e0 embed)" = 4
four () { [ "$(stat "$E" in_flight)" -ge 4 ]; }
wait_for 10 four; ok $? "four embed actors: the simulator sees four requests at once"
"$novaq" scale emb-w embed=1 >/dev/null 2>&1
wait_for 10 test "$(capacity emb-w e0 embed)" = 1
sleep 0.5
curl -fs -X POST "$E/_sim/reset" >/dev/null
sleep 1
[ "$(stat "$E" max_in_flight)" -le 1 ]; ok $? "shrunk back to one actor, the simulator sees one request at a time again"
wait_for 60 none_open "$tmp/emb.ids"
[ "$(wc -l <"$tmp/emb.ids")" -eq 40 ] && all_done "$tmp/emb.ids"; ok $? "all 40 embed jobs succeeded across grow and shrink"
kill -TERM $emb; wait $emb 2>/dev/null

# --- Warm-first ----------------------------------------------------------------
# Two instances serve both models, one model loaded at a time each: a job
# placed on the instance without its model would evict the other (a swap).
sim_start X --speed 20 --max-loaded-models 1 --num-parallel 4 --model "alpha:1b,kind=chat,load_ms=2000" --model "beta:1b,kind=chat,load_ms=2000"
sim_start Y --speed 20 --max-loaded-models 1 --num-parallel 4 --model "alpha:1b,kind=chat,load_ms=2000" --model "beta:1b,kind=chat,load_ms=2000"
curl -fs "$X/api/generate" -d '{"model":"alpha:1b","prompt":"load","stream":false}' >/dev/null
curl -fs "$Y/api/generate" -d '{"model":"beta:1b","prompt":"load","stream":false}' >/dev/null
curl -fs -X POST "$X/_sim/reset" >/dev/null; curl -fs -X POST "$Y/_sim/reset" >/dev/null
NOVAQ_OLLAMA="gx=$X;slots=4 gy=$Y;slots=4" "$novaq" worker --worker-id warm-w >"$tmp/warm-w.log" 2>&1 &
warm=$!; pids="$pids $warm"
wait_for 10 worker_ready warm-w
warm_known () { "$novaq" status --json 2>/dev/null | tr -d ' \n' | grep -q '"instance":"gx","kinds":\["chat"\],"models":\[[^]]*\],"warm":\["alpha:1b"\]'; }
wait_for 10 warm_known; ok $? "the worker reports each instance's loaded model to the broker (warm)"
: >"$tmp/warm.ids"
for i in $(seq 1 100); do
  "$novaq" submit chat --model alpha:1b --no-wait "question $i for alpha" >>"$tmp/warm.ids" 2>>"$tmp/warm.err"
  "$novaq" submit chat --model beta:1b --no-wait "question $i for beta" >>"$tmp/warm.ids" 2>>"$tmp/warm.err"
done
wait_for 120 none_open "$tmp/warm.ids"
[ "$(wc -l <"$tmp/warm.ids")" -eq 200 ] && all_done "$tmp/warm.ids"; ok $? "100 jobs for each model succeeded"
swaps=$(( $(stat "$X" swaps) + $(stat "$Y" swaps) )); loads=$(( $(stat "$X" loads) + $(stat "$Y" loads) ))
[ "$swaps" -eq 0 ] && [ "$loads" -eq 0 ]; ok $? "no model swap and no load on either instance (swaps $swaps, loads $loads)"
kill -TERM $warm; wait $warm 2>/dev/null

# --- Fallback model ----------------------------------------------------------
# "big:7b" lives only on instance gb; when gb's breaker is open the job runs
# on the fallback "small:1b" of instance gs.
sim_start B --speed 50 --model "big:7b,kind=chat,load_ms=100"
sim_start S --speed 50 --model "small:1b,kind=chat,load_ms=100"
NOVAQ_OLLAMA="gb=$B;slots=2;models=big:7b gs=$S;slots=2;models=small:1b" "$novaq" worker --worker-id fb-w >"$tmp/fb-w.log" 2>&1 &
fb=$!; pids="$pids $fb"
wait_for 10 worker_ready fb-w
wait_for 10 test "$(capacity fb-w gb chat)" = 2
"$novaq" submit chat --timeout 20s --model big:7b --json "before" 2>/dev/null | grep -q '"model_used": "big:7b"'
ok $? "while its instance is healthy a big:7b job runs on big:7b"
curl -fs -X POST -d '{"busy":-1}' "$B/_sim/faults" >/dev/null
"$novaq" submit chat --timeout 20s --model big:7b --no-wait "trip one" >/dev/null 2>&1
"$novaq" submit chat --timeout 20s --model big:7b --no-wait "trip two" >/dev/null 2>&1
opened () { grep '"event":"breaker_transition"' "$tmp/fb-w.log" | grep '"instance":"gb"' | grep -q '"to":"open"'; }
wait_for 20 opened; ok $? "503s from gb open its breaker (worker log)"
wait_for 10 test "$(capacity fb-w gb chat)" = 0
"$novaq" submit chat --timeout 20s --model big:7b --json "after" >"$tmp/fb.json" 2>&1
grep -q '"model_used": "small:1b"' "$tmp/fb.json"; ok $? "with gb open the job runs on the fallback and model_used says small:1b"
kill -TERM $fb; wait $fb 2>/dev/null

# --- SIGTERM mid-run ---------------------------------------------------------
# Two workers share one simulator; one is stopped while jobs stream.
sim_start T --speed 2 --num-parallel 8 --model "talk:1b,kind=chat,load_ms=0,tps=40"
NOVAQ_OLLAMA="t=$T;slots=4" "$novaq" worker --worker-id term-a --drain-timeout 300ms >"$tmp/term-a.log" 2>&1 &
ta=$!; pids="$pids $ta"
NOVAQ_OLLAMA="t=$T;slots=4" "$novaq" worker --worker-id term-b >"$tmp/term-b.log" 2>&1 &
tb=$!; pids="$pids $tb"
wait_for 10 worker_ready term-a; wait_for 10 worker_ready term-b
: >"$tmp/term.ids"
for i in $(seq 1 24); do
  "$novaq" submit chat --model talk:1b --no-wait "tell me a long story number $i please" >>"$tmp/term.ids" 2>>"$tmp/term.err"
done
busy_a () { [ "$(stat "$T" in_flight)" -ge 6 ]; }
wait_for 10 busy_a
kill -TERM $ta; wait $ta; rc=$?
[ $rc -eq 0 ] && grep -q '"event":"worker_drained"' "$tmp/term-a.log"; ok $? "SIGTERM: worker term-a drains and exits 0"
wait_for 120 none_open "$tmp/term.ids"
[ "$(wc -l <"$tmp/term.ids")" -eq 24 ] && all_done "$tmp/term.ids"; ok $? "all 24 jobs succeeded: what term-a held completed on term-b"
requeued=$("$novaq" status --json 2>/dev/null | tr -d ' \n' | grep -o '"requeued":[0-9]*' | cut -d: -f2)
[ "${requeued:-0}" -ge 1 ]; ok $? "term-a handed its unfinished leases back (broker counter requeued: ${requeued:-none})"
exit $fail
