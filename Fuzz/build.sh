#!/usr/bin/env bash
# Builds the fuzz driver for AFL++ (docs/fuzzing.md): publishes Fuzz/R4.Fuzz.csproj to
# Fuzz/out/bin afresh and instruments the R4 assemblies in it with SharpFuzz's `sharpfuzz`
# tool (installed into Fuzz/out/tools from NuGet; the driver itself and the libraries it uses
# stay uninstrumented, so coverage is R4's alone).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
tools="$here/out/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null
fi
rm -rf "$here/out/bin"
dotnet publish "$here/R4.Fuzz.csproj" -c Release -o "$here/out/bin" -v quiet -nologo >/dev/null
for assembly in "$here"/out/bin/R4.*.dll; do
  "$tools/sharpfuzz" "$assembly" >/dev/null
done
echo "Fuzz/build.sh: instrumented $(ls "$here"/out/bin/R4.*.dll | wc -l) R4 assemblies in $here/out/bin"
