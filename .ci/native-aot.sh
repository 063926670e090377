#!/usr/bin/env bash
# CI (.ci/run): the Native AOT build of r4 (README.md, docs/performance.md "Issue 14, aot
# stream") against the .NET build. Usage: .ci/native-aot.sh AOT_R4 DOTNET_R4 — the published
# native executable and the Release build's r4. Each command below must give the same standard
# output, exit code and --stats-json counters (all but the host times) under both; then a live
# migration from the native r4 to itself must hand the guest over whole.
set -euo pipefail
cd "$(dirname "$0")/.."
aot=$1 net=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

same() {   # r4 arguments: runs both, compares
    local name code_aot code_net
    "$aot" "$@" --stats-json "$work/aot.json" >"$work/aot.out" 2>"$work/aot.err" && code_aot=0 || code_aot=$?
    "$net" "$@" --stats-json "$work/net.json" >"$work/net.out" 2>"$work/net.err" && code_net=0 || code_net=$?
    if [ "$code_aot" != "$code_net" ] || ! cmp -s "$work/aot.out" "$work/net.out" \
        || ! diff <(grep -v '"hostSeconds"' "$work/aot.json") <(grep -v '"hostSeconds"' "$work/net.json") >/dev/null; then
        echo "native-aot: r4 $*: native r4 exit $code_aot, .NET r4 exit $code_net; outputs:" >&2
        diff "$work/aot.out" "$work/net.out" | head -20 >&2 || true
        diff "$work/aot.json" "$work/net.json" | head -20 >&2 || true
        cat "$work/aot.err" >&2
        exit 1
    fi
    echo "native-aot: r4 $* — same output, exit code $code_aot and counters"
}

test "$("$aot" run Guests/examples/hello.asm)" = "Hello, world!"
same run Guests/examples/hello.asm
# Past the 2M-instruction warm-up, so the JIT engine is made and runs generated code.
same run Guests/kernels/teach/kernel.asm -D MM_N=60 --engine jit
same run Guests/kernels/teach/kernel.asm -D MM_N=60 --engine interp --layout ring3
same run Guests/bench/nullcall.asm --layout bt
same run Guests/examples/hello.asm --max-instructions 10

# Live migration (JSON hello message, snapshot metadata) from the native r4 to itself.
"$aot" run Guests/kernels/teach/kernel.asm --layout ring3 >"$work/whole.out"
"$aot" migrate --receive "unix:$work/r4.sock" >"$work/received.out" 2>"$work/received.err" &
receiver=$!
for _ in $(seq 100); do [ -S "$work/r4.sock" ] && break; sleep 0.1; done
"$aot" migrate Guests/kernels/teach/kernel.asm --layout ring3 --engine jit --to "unix:$work/r4.sock" --at 250000 >"$work/source.out" 2>"$work/source.err"
wait "$receiver"
cat "$work/source.out" "$work/received.out" | cmp - "$work/whole.out"
echo "native-aot: live migration between native r4 processes: the guest's output is the uninterrupted run's"
