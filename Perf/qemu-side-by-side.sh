#!/usr/bin/env bash
# The JIT beside qemu on the same loops (issue 14's side-by-side): a 4-instruction ALU loop
# (add, xor, addi, bne: Perf's counting loop) and a load/store loop (ldw, addi, stw, addi,
# bne over a 64 KiB array), each at the same iteration counts as R4 guests (r4 run, JIT and
# interpreter), as RV32 Linux programs under qemu-user (qemu-riscv32) and, when
# qemu-system-riscv32 is present, as bare-metal RV32 programs under qemu-system (softmmu,
# as R4 has a software MMU). Each figure is the MARGINAL CPU time (user + system) per
# billion guest instructions: t(2N) - t(N), so process start-up, R4's assembler and qemu's
# own start cancel out. Installs qemu-user and the RISC-V binutils from Debian if missing
# (root or sudo needed); set R4_QEMU_SYSTEM=1 to install qemu-system-misc as well.
# Usage: Perf/qemu-side-by-side.sh [ALU_ITERATIONS] (default 100000000; the load/store loop
# runs ALU_ITERATIONS/16384 passes over 16384 words).
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${1:-100000000}

need() { command -v "$1" >/dev/null 2>&1; }
install() {
    local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq && $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
need qemu-riscv32 || install qemu-user
need riscv64-linux-gnu-as || install binutils-riscv64-linux-gnu
if [ "${R4_QEMU_SYSTEM:-0}" = 1 ] && ! need qemu-system-riscv32; then install qemu-system-misc; fi

dotnet build Emulator/Cli -c Release -v q -nologo >/dev/null
r4=Emulator/Cli/bin/Release/net10.0/r4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seconds() {   # CPU seconds (user + system) of one run of "$@", output discarded
    /usr/bin/time -o "$work/time" -f "%U %S" "$@" >/dev/null 2>&1 || true
    set -- $(tail -1 "$work/time"); echo "$1 + $2" | bc
}
best3() {     # the least of three runs (the one the other jobs on the machine disturbed least)
    local a b c; a=$(seconds "$@"); b=$(seconds "$@"); c=$(seconds "$@")
    printf '%s\n' "$a" "$b" "$c" | sort -n | head -1
}
# marginal LABEL INSTRUCTIONS_AT_N RUN_N... -- RUN_2N...: CPU seconds per 10^9 instructions
marginal() {
    local label=$1 instructions=$2; shift 2
    local n=() twice=()
    while [ "$1" != "--" ]; do n+=("$1"); shift; done; shift; twice=("$@")
    local t1 t2; t1=$(best3 "${n[@]}"); t2=$(best3 "${twice[@]}")
    local per=$(echo "scale=4; ($t2 - $t1) * 1000000000 / $instructions" | bc)
    printf '  %-28s %8.3f s per 10^9 instructions   (t(N) %.3f s, t(2N) %.3f s)\n' "$label" "$per" "$t1" "$t2"
    echo "$per" > "$work/$(echo "$label" | tr -c 'a-z0-9' _)"
}
value() { cat "$work/$(echo "$1" | tr -c 'a-z0-9' _)"; }

# --- the guests -------------------------------------------------------------------------
words=16384
passes=$((iterations / words)); [ "$passes" -ge 1 ] || passes=1
cat > "$work/alu.asm" <<'ASM'
    .entry _start
_start:
    li   r1, ITER
    li   r2, 0
    li   r3, 0
loop:
    add  r2, r2, r1
    xor  r3, r3, r2
    addi r1, r1, -1
    bne  r1, zero, loop
    out  0xF0, zero
ASM
cat > "$work/ldst.asm" <<'ASM'
    .equ ARRAY, 0x20000
    .equ WORDS, 16384
    .entry _start
_start:
    li   r5, PASSES
pass:
    li   r1, ARRAY
    li   r2, ARRAY + WORDS * 4
sweep:
    ldw  r3, [r1]
    addi r3, r3, 1
    stw  r3, [r1]
    addi r1, r1, 4
    bne  r1, r2, sweep
    addi r5, r5, -1
    bne  r5, zero, pass
    out  0xF0, zero
ASM
# RV32 versions; EXIT is the Linux exit system call (qemu-user) or a store of 0x5555 to the
# virt machine's SiFive test device (qemu-system: power off).
rv_exit_user='li a7, 93; li a0, 0; ecall'
rv_exit_system='li t0, 0x100000; li t1, 0x5555; sw t1, 0(t0); 1: j 1b'
rv_alu() { cat <<ASM
    .globl _start
_start:
    li   a1, ITER
    li   a2, 0
    li   a3, 0
1:  add  a2, a2, a1
    xor  a3, a3, a2
    addi a1, a1, -1
    bnez a1, 1b
    $1
ASM
}
rv_ldst() { cat <<ASM
    .globl _start
_start:
    li   t4, PASSES
2:  la   a1, array
    li   t3, $words * 4
    add  a2, a1, t3
1:  lw   a3, 0(a1)
    addi a3, a3, 1
    sw   a3, 0(a1)
    addi a1, a1, 4
    bne  a1, a2, 1b
    addi t4, t4, -1
    bnez t4, 2b
    $1
    .bss
    .balign 4096
array: .space $words * 4
ASM
}
build_rv() {   # NAME EXIT KIND(user|system) SYMBOL VALUE
    local name=$1 exit=$2 kind=$3 symbol=$4 value=$5 src="$work/$1.S"
    case $name in alu*) rv_alu "$exit" ;; *) rv_ldst "$exit" ;; esac > "$src"
    riscv64-linux-gnu-as -march=rv32im -mabi=ilp32 --defsym "$symbol=$value" -o "$work/$name.o" "$src"
    if [ "$kind" = system ]; then
        riscv64-linux-gnu-ld -m elf32lriscv -Ttext=0x80000000 -o "$work/$name" "$work/$name.o"
    else
        riscv64-linux-gnu-ld -m elf32lriscv -o "$work/$name" "$work/$name.o"
    fi
}
alu_instructions=$((iterations * 4))
ldst_instructions=$((passes * (words * 5 + 4)))
for k in 1 2; do
    build_rv "alu-user-$k" "$rv_exit_user" user ITER $((iterations * k))
    build_rv "ldst-user-$k" "$rv_exit_user" user PASSES $((passes * k))
    if need qemu-system-riscv32; then
        build_rv "alu-system-$k" "$rv_exit_system" system ITER $((iterations * k))
        build_rv "ldst-system-$k" "$rv_exit_system" system PASSES $((passes * k))
    fi
done
qsys=(qemu-system-riscv32 -machine virt -bios none -nographic -monitor none -serial none -kernel)

echo "machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/'); $(qemu-riscv32 --version | head -1)"
echo "ALU loop: $iterations iterations ($alu_instructions instructions at N)"
marginal "R4 JIT" "$alu_instructions" "$r4" run "$work/alu.asm" -D ITER=$iterations -- "$r4" run "$work/alu.asm" -D ITER=$((iterations * 2))
marginal "R4 interpreter" "$alu_instructions" "$r4" run "$work/alu.asm" --engine interp -D ITER=$iterations -- "$r4" run "$work/alu.asm" --engine interp -D ITER=$((iterations * 2))
marginal "qemu-user" "$alu_instructions" qemu-riscv32 "$work/alu-user-1" -- qemu-riscv32 "$work/alu-user-2"
need qemu-system-riscv32 && marginal "qemu-system" "$alu_instructions" "${qsys[@]}" "$work/alu-system-1" -- "${qsys[@]}" "$work/alu-system-2"
echo "load/store loop: $passes passes over $words words ($ldst_instructions instructions at N)"
marginal "R4 JIT " "$ldst_instructions" "$r4" run "$work/ldst.asm" -D PASSES=$passes -- "$r4" run "$work/ldst.asm" -D PASSES=$((passes * 2))
marginal "R4 interpreter " "$ldst_instructions" "$r4" run "$work/ldst.asm" --engine interp -D PASSES=$passes -- "$r4" run "$work/ldst.asm" --engine interp -D PASSES=$((passes * 2))
marginal "qemu-user " "$ldst_instructions" qemu-riscv32 "$work/ldst-user-1" -- qemu-riscv32 "$work/ldst-user-2"
need qemu-system-riscv32 && marginal "qemu-system " "$ldst_instructions" "${qsys[@]}" "$work/ldst-system-1" -- "${qsys[@]}" "$work/ldst-system-2"
echo "ratios (qemu time / R4 JIT time; > 1 means the JIT is faster):"
printf '  ALU loop:        qemu-user %.2fx' "$(echo "scale=4; $(value "qemu-user") / $(value "R4 JIT")" | bc)"
need qemu-system-riscv32 && printf '   qemu-system %.2fx' "$(echo "scale=4; $(value "qemu-system") / $(value "R4 JIT")" | bc)"
echo
printf '  load/store loop: qemu-user %.2fx' "$(echo "scale=4; $(value "qemu-user ") / $(value "R4 JIT ")" | bc)"
need qemu-system-riscv32 && printf '   qemu-system %.2fx' "$(echo "scale=4; $(value "qemu-system ") / $(value "R4 JIT ")" | bc)"
echo
