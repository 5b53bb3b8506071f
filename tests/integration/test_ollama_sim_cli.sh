#!/bin/sh
# test_ollama_sim_cli.sh — ollama-sim's command line: --help documents every
# flag the program accepts (read from its option table in main.c), --version,
# and bad flags exit 2 with a message.
sim="${NQ_BUILDDIR:-.}/tools/ollama-sim/ollama-sim"
src="${NQ_SRCDIR:-.}/tools/ollama-sim/main.c"
tmp="${NQ_TEST_TMPDIR:-/tmp}"
n=0
fail=0
ok () { n=$((n+1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }
echo "1..7"

"$sim" --help >"$tmp/help" 2>&1; ok $? "--help exits 0"

flags=$(grep -o '{"[a-z-]*", *[a-z]*_argument' "$src" | sed 's/{"\([a-z-]*\)".*/\1/')
count=$(echo "$flags" | wc -w)
missing=""
for f in $flags; do
  grep -q -- "--$f\b" "$tmp/help" || missing="$missing $f"
done
[ "$count" -ge 20 ] && [ -z "$missing" ]; ok $? "--help documents all $count flags${missing:+ (missing:$missing)}"

"$sim" --version | grep -q "ollama version [0-9]"; ok $? "--version names the simulated Ollama version"

"$sim" --speed 0 >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q -- "--speed" "$tmp/err"; ok $? "--speed 0 is refused with exit 2"

"$sim" --model "x,kind=robot" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q -- "--model" "$tmp/err"; ok $? "a bad --model spec is refused with exit 2"

"$sim" --fault-hang-mode sideways >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] && grep -q "hang_mode" "$tmp/err"; ok $? "a bad fault value is refused with exit 2"

"$sim" --listen nowhere >/dev/null 2>&1; [ $? -eq 2 ]; ok $? "--listen without a port is refused with exit 2"
exit $fail
