#!/usr/bin/env bash
# The speed checks of docs/performance.md, back to back in one run (ratios, not absolute
# times): the teaching kernel with -D MM_N=300 and by default, the exit-heavy bench guests,
# the counting loop against plain C#, and `r4 run hello.asm` against a trivial dotnet
# program. Builds Release first. Usage: Perf/speed-checks.sh [--quick] (quick: skip MM_N=300).
# R4_BIN=PATH times that r4 executable instead of the Release build's (e.g. the Native AOT one:
# `dotnet publish Emulator/Cli -c Release -p:R4NativeAot=true -o out`, then R4_BIN=out/r4).
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}
dotnet build Emulator/Cli -c Release -v q -nologo >/dev/null
dotnet build Perf -c Release -v q -nologo >/dev/null
r4=${R4_BIN:-Emulator/Cli/bin/Release/net10.0/r4}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# CPU seconds (user + system) of one run of "$@" (output discarded; the exit status may be
# the guest's). CPU time, not wall time: the machine is shared, and CPU time varies less
# with the other jobs on it; R4_WALL=1 measures wall time instead.
seconds() {
    # bash's own time: millisecond resolution (GNU time prints hundredths, coarse beside
    # 0.15 s runs). The run's stderr is kept for hostSeconds.
    local TIMEFORMAT="%R %U %S"
    { time "$@" >/dev/null 2>"$work/stderr" || true; } 2>"$work/time"
    set -- $(tail -1 "$work/time")
    if [ "${R4_WALL:-0}" = 1 ]; then echo "$1"; else echo "$2 + $3" | bc; fi
}
# Median of five runs.
median5() {
    local i times=()
    for i in 1 2 3 4 5; do times+=("$(seconds "$@")"); done
    printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}
ratio() { echo "scale=2; $1 / $2" | bc; }

echo "r4: $r4$( [ -f "${r4%/*}/r4.dll" ] && echo " (.NET, ReadyToRun)" || echo " (native executable)")"
echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/'); times: $([ "${R4_WALL:-0}" = 1 ] && echo wall || echo CPU, user + system)"

repeat=${R4_REPEAT:-3}
echo "pairs: the sum of $repeat runs of each engine, alternating: whole process (CPU), then the in-process Run time (--stats host time, wall clock)"
# The in-process Run time of the last run (its --stats "host time" line), in seconds.
hostSeconds() { sed -n 's/^host time: *\([0-9.]*\) s.*/\1/p' "$work/stderr" | tail -1; }
pair() {   # label, then r4 run arguments: prints interp, jit (each the sum of $repeat runs, alternating), and interp/jit
    local label=$1; shift
    local interp=0 jit=0 interpHost=0 jitHost=0 i
    for ((i = 0; i < repeat; i++)); do
        interp=$(echo "$interp + $(seconds "$r4" run "$@" --stats --engine interp)" | bc)
        interpHost=$(echo "$interpHost + $(hostSeconds)" | bc)
        jit=$(echo "$jit + $(seconds "$r4" run "$@" --stats --engine jit)" | bc)
        jitHost=$(echo "$jitHost + $(hostSeconds)" | bc)
    done
    printf '%-30s interp %7.3f s   jit %7.3f s   jit speed-up %5.2fx   in Run: %6.3f / %6.3f s %5.2fx\n' \
        "$label" "$interp" "$jit" "$(ratio "$interp" "$jit")" "$interpHost" "$jitHost" "$(ratio "$interpHost" "$jitHost")"
}

if [ "$quick" != "--quick" ]; then
    pair "(a) teach kernel -D MM_N=300" Guests/kernels/teach/kernel.asm -D MM_N=300
fi
pair "(b) teach kernel (default)" Guests/kernels/teach/kernel.asm
pair "(c) timer, native" Guests/bench/timer.asm
pair "(c) nullcall, ring3" Guests/bench/nullcall.asm --layout ring3
pair "(c) ctxswitch, ring3" Guests/bench/ctxswitch.asm --layout ring3
pair "(c) clisti, ring012" Guests/bench/clisti.asm --layout ring012

echo "(d) counting loop:"
dotnet Perf/bin/Release/net10.0/R4.Perf.dll counting-loop 100000000 | sed 's/^/    /'

mkdir -p "$work/trivial"
cat > "$work/trivial/trivial.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
</Project>
XML
echo 'Console.WriteLine("Hello, world!");' > "$work/trivial/Program.cs"
dotnet build "$work/trivial" -c Release -v q -nologo >/dev/null
trivial=$(median5 "$work/trivial/bin/Release/net10.0/trivial")
hello=$(median5 "$r4" run Guests/examples/hello.asm)
printf '(e) r4 run hello.asm %6.3f s   trivial dotnet %6.3f s   ratio %5.2fx (median of 5, %s)\n' "$hello" "$trivial" "$(ratio "$hello" "$trivial")" "$([ "${R4_WALL:-0}" = 1 ] && echo wall || echo CPU)"
