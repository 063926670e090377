#!/usr/bin/env bash
# Fuzz one R4 target with AFL++ (docs/fuzzing.md):
#   Fuzz/run.sh TARGET SECONDS [afl-fuzz options...]     TARGET: asm | elf | snapshot | machine | all
# Builds the instrumented r4-fuzz once per call (Fuzz/out/bin; R4_FUZZ_NO_BUILD=1 reuses it),
# starts from Fuzz/seeds/TARGET, or from the corpus of an earlier run in Fuzz/findings/TARGET
# (R4_FUZZ_RESUME=1), stops after SECONDS (0 = until Ctrl-C), then replays every crash AFL++
# saved and prints its exception. Exit 0: no crash; 1: crashes (listed, under
# Fuzz/findings/TARGET/default/crashes); 2: AFL++ or the build is missing or failed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
targets=(asm elf snapshot machine)
if [ $# -lt 2 ]; then
  echo "usage: Fuzz/run.sh asm|elf|snapshot|machine|all SECONDS [afl-fuzz options...]" >&2
  exit 64
fi
target="$1" seconds="$2"; shift 2
if [ "$target" = all ]; then
  status=0
  "$here/build.sh" || exit 2
  for t in "${targets[@]}"; do
    rc=0
    R4_FUZZ_NO_BUILD=1 "$here/run.sh" "$t" "$seconds" "$@" || rc=$?
    if [ $rc -gt $status ]; then status=$rc; fi
  done
  exit $status
fi
case " ${targets[*]} " in *" $target "*) ;; *) echo "Fuzz/run.sh: unknown target '$target' (give one of ${targets[*]} or all)" >&2; exit 64;; esac
if ! command -v afl-fuzz >/dev/null 2>&1; then
  echo "Fuzz/run.sh: afl-fuzz not found: install AFL++ (Debian: apt-get install afl++)" >&2
  exit 2
fi
[ "${R4_FUZZ_NO_BUILD:-0}" = 1 ] && [ -x "$here/out/bin/r4-fuzz" ] || "$here/build.sh" || exit 2

# AFL++ checks the machine is tuned for fuzzing; none of that matters for correctness here.
export AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1
# r4-fuzz is a .NET program whose instrumentation SharpFuzz adds to the IL, not a binary AFL++ built.
export AFL_SKIP_BIN_CHECK=1
# .NET's start-up is slower than a C program's; give the fork server time to come up.
export AFL_FORKSRV_INIT_TMOUT="${AFL_FORKSRV_INIT_TMOUT:-60000}"

findings="$here/findings/$target"
input="$here/seeds/$target"
if [ "${R4_FUZZ_RESUME:-0}" = 1 ] && [ -d "$findings/default/queue" ]; then
  input=-   # AFL++: resume from the earlier run's queue
else
  rm -rf "$findings"
fi
mkdir -p "$findings"
limit=()
[ "$seconds" != 0 ] && limit=(-V "$seconds")
echo "Fuzz/run.sh: fuzzing '$target' for ${seconds}s (findings in $findings)"
# -t: a run over 20 s is a hang, not a crash (the first run JIT-compiles R4 itself, slowly on a
# loaded machine); -m none: the .NET runtime reserves far more address space than it uses.
fuzz() { afl-fuzz -i "$input" -o "$findings" "${limit[@]}" -t 20000 -m none "$@" -- "$here/out/bin/r4-fuzz" "$target" > "$findings/afl-fuzz.log" 2>&1; }
# On a loaded machine AFL++'s dry run can find no coverage once ("No instrumentation
# detected"); a second start is a fresh process and gets past it.
rc=0
fuzz "$@" || rc=$?
if [ $rc -ne 0 ] && [ "$input" != - ] && grep -q "No instrumentation detected" "$findings/afl-fuzz.log"; then
  rm -rf "$findings" && mkdir -p "$findings"
  rc=0
  fuzz "$@" || rc=$?
fi
if [ $rc -ne 0 ]; then
  tail -n 30 "$findings/afl-fuzz.log" >&2
  echo "Fuzz/run.sh: afl-fuzz failed on '$target' (its log: $findings/afl-fuzz.log)" >&2
  exit 2
fi
stats="$findings/default/fuzzer_stats"
value() { sed -n "s/^$1 *: *//p" "$stats"; }
echo "Fuzz/run.sh: $target: $(value execs_done) runs ($(value execs_per_sec)/s), corpus $(value corpus_count), crashes $(value saved_crashes), hangs $(value saved_hangs)"
shopt -s nullglob
crashes=("$findings"/default/crashes/id:*)
if [ ${#crashes[@]} -eq 0 ]; then exit 0; fi
echo "Fuzz/run.sh: $target: ${#crashes[@]} crashing input(s); replaying them:" >&2
"$here/out/bin/r4-fuzz" "$target" "${crashes[@]}" >&2 || true
exit 1
