#!/usr/bin/env bash
# Start-up A/B (docs/performance.md, issue 14 "startup"): runs each command N times, the
# commands alternating within each round, and prints the median CPU time (perf stat's
# task-clock: user + system of the whole process) and the median wall time of each, with the
# load average. Usage: Perf/startup-ab.sh N "CMD A" "CMD B" ...
#   Perf/startup-ab.sh 9 "Emulator/Cli/bin/Release/net10.0/r4 run Guests/examples/hello.asm" "OTHER/r4 run Guests/examples/hello.asm"
set -uo pipefail
n=$1; shift
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
declare -a cpu wall
for ((i = 0; i < n; i++)); do
    k=0
    for cmd in "$@"; do
        start=$(date +%s%N)
        perf stat -x, -e task-clock -o "$work/stat" $cmd >/dev/null 2>&1
        end=$(date +%s%N)
        cpu[$k]+="$(grep task-clock "$work/stat" | cut -d, -f1) "
        wall[$k]+="$(( (end - start) / 1000000 )) "
        k=$((k + 1))
    done
done
median() { tr ' ' '\n' | grep . | sort -n | sed -n "$(( (n + 1) / 2 ))p"; }
k=0
for cmd in "$@"; do
    printf 'cpu %7.1f ms   wall %5d ms   %s\n' "$(echo "${cpu[$k]}" | median)" "$(echo "${wall[$k]}" | median)" "$cmd"
    k=$((k + 1))
done
echo "load average: $(uptime | sed 's/.*load average: //')"
