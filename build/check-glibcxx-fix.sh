#!/usr/bin/env bash
# check-glibcxx-fix.sh — proves what the MeanFlow.GlibcxxFix package promises, on a throwaway console app built in a
# temp directory from TorchSharp-cpu, a MeanFlow.Core assembly built from this repository, and the package's targets
# (src/MeanFlow.GlibcxxFix/buildTransitive/MeanFlow.GlibcxxFix.targets, the file the package carries):
#   1. against a libstdc++ that defines GLIBCXX_3.4 .. 3.4.33 and CXXABI_1.3 .. 1.3.15 (generated here with g++ and a
#      linker version script), the libLibTorchSharp.so in the output is byte-identical to the NuGet cache's;
#   2. against this system's libstdc++, the output copy is patched exactly where needed (only VER_FLG_WEAK bytes of
#      the versions that libstdc++ lacks differ) or, if nothing is lacking, is the original; either way the app
#      passes TorchRuntime.EnsureLoaded(), loads that copy and computes a float64 second derivative;
#   3. with -p:TorchSharpGlibcxxFix=false the output copy is the original; where this system needed the patch, the
#      app then fails at TorchRuntime.EnsureLoaded() with a TorchRuntimeException that names the library, the
#      missing version and MeanFlow.GlibcxxFix (exit code 3); where it did not, the app runs as in 2.
# Needs: Linux, the .NET SDK, g++, cmp. Takes 35 s to 2.5 minutes (2 cores, alone or shared). Nothing outside the temp directory is written
# (MeanFlow.Core builds into it with --artifacts-path; the NuGet cache is only read).
# Usage: build/check-glibcxx-fix.sh   (from anywhere; KEEP=1 keeps the temp dir)
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
fail() { echo "check-glibcxx-fix: FAIL: $*" >&2; exit 1; }
step() { echo "check-glibcxx-fix: $*"; }

[[ "$(uname -s)" == Linux ]] || fail "Linux only (ELF symbol versions); this is $(uname -s)."
command -v dotnet >/dev/null || fail "the .NET SDK (dotnet) is not on PATH."
command -v cmp >/dev/null || fail "cmp (diffutils) is not installed."
command -v g++ >/dev/null || fail "g++ is not installed; it is needed to generate the stand-in libstdc++ (apt-get install g++)."

version="$(sed -n 's:.*<TorchSharpVersion>\(.*\)</TorchSharpVersion>.*:\1:p' "$repo/Directory.Packages.props")"
[[ -n "$version" ]] || fail "could not read TorchSharpVersion from $repo/Directory.Packages.props."
packages="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
original="$packages/torchsharp/$version/runtimes/linux-x64/native/libLibTorchSharp.so"
targets="$repo/src/MeanFlow.GlibcxxFix/buildTransitive/MeanFlow.GlibcxxFix.targets"
[[ -f "$targets" ]] || fail "missing $targets"

work="$(mktemp -d "${TMPDIR:-/tmp}/check-glibcxx-fix.XXXXXX")"
cleanup() { if [[ "${KEEP:-0}" == 1 ]]; then echo "check-glibcxx-fix: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
start=$SECONDS

# --- 1. a stand-in libstdc++.so.6 that defines every version TorchSharp could need (one dummy symbol per node)
step "generating a libstdc++.so.6 stand-in with g++ (GLIBCXX_3.4..3.4.33, CXXABI_1.3..1.3.15)"
mkdir -p "$work/newlib"
nodes=(GLIBCXX_3.4); for i in $(seq 1 33); do nodes+=("GLIBCXX_3.4.$i"); done
nodes+=(CXXABI_1.3); for i in $(seq 1 15); do nodes+=("CXXABI_1.3.$i"); done
: > "$work/newlib/stub.cpp"; : > "$work/newlib/versions.map"
for node in "${nodes[@]}"; do
  symbol="meanflow_stub_${node//./_}"
  echo "extern \"C\" void $symbol() {}" >> "$work/newlib/stub.cpp"
  echo "$node { global: $symbol; };" >> "$work/newlib/versions.map"
done
g++ -shared -fPIC -nostdlib -o "$work/newlib/libstdc++.so.6" "$work/newlib/stub.cpp" \
    -Wl,--version-script="$work/newlib/versions.map" -Wl,-soname,libstdc++.so.6 \
  || fail "g++ could not link the stand-in libstdc++."

# --- MeanFlow.Core (net10.0) from this repository, built into the temp directory
step "building MeanFlow.Core into $work/core"
dotnet build "$repo/src/MeanFlow.Core" -f net10.0 --artifacts-path "$work/core" --disable-build-servers -v q -nologo \
  >"$work/core.log" 2>&1 || { tail -30 "$work/core.log"; fail "MeanFlow.Core did not build (log: $work/core.log)."; }
core_dll="$work/core/bin/MeanFlow.Core/debug_net10.0/MeanFlow.Core.dll"
[[ -f "$core_dll" ]] || fail "MeanFlow.Core.dll not found at $core_dll."

# --- the throwaway app: TorchSharp-cpu, MeanFlow.Core, and the fix's targets as the package's NuGet import would
mkdir -p "$work/app"
cp "$repo/nuget.config" "$repo/global.json" "$work/"
cat > "$work/app/Directory.Build.targets" <<EOF
<Project>
  <Import Project="$targets" />
</Project>
EOF
cat > "$work/app/app.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <PlatformTarget>x64</PlatformTarget>
    <ImplicitUsings>disable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="TorchSharp-cpu" Version="$version" />
    <Reference Include="MeanFlow.Core" HintPath="$core_dll" />
  </ItemGroup>
</Project>
EOF
cat > "$work/app/Program.cs" <<'EOF'
using System;
using System.IO;
using System.Linq;
using MeanFlow.Runtime;
using static TorchSharp.torch;

// MeanFlow's load check first, as MeanFlow's types do; then d²/dx² of x³ at x = 2 is 12 (a float64 double backward).
try
{
    TorchRuntime.EnsureLoaded();
}
catch (TorchRuntimeException e)
{
    Console.WriteLine($"TorchRuntimeException: {e.Message}");
    Console.WriteLine($"LibraryPath={e.LibraryPath} MissingVersions={string.Join(",", e.MissingVersions)}");
    return 3;
}
var x = tensor(2.0, dtype: float64).requires_grad_(true);
var dy = autograd.grad(new[] { x.pow(3) }, new[] { x }, retain_graph: true, create_graph: true, allow_unused: true)[0];
var d2y = autograd.grad(new[] { dy }, new[] { x }, retain_graph: false, allow_unused: true)[0];
var mapped = File.ReadLines("/proc/self/maps").Where(l => l.EndsWith("/libLibTorchSharp.so")).Select(l => l[l.IndexOf('/')..]).First();
Console.WriteLine($"d2y={d2y.item<double>()} mapped={mapped}");
return 0;
EOF

step "restoring"
dotnet restore "$work/app" --disable-build-servers -v q >"$work/restore.log" 2>&1 || { cat "$work/restore.log"; fail "restore failed."; }
[[ -f "$original" ]] || fail "TorchSharp's native library is not in the NuGet cache: $original"

build() { # name, extra msbuild arguments...
  local name="$1"; shift
  dotnet build "$work/app" --no-restore --disable-build-servers -v n -o "$work/out-$name" "$@" >"$work/build-$name.log" 2>&1 \
    || { tail -30 "$work/build-$name.log"; fail "build '$name' failed (log: $work/build-$name.log)."; }
  grep -h 'TorchSharpGlibcxxFix:' "$work/build-$name.log" | sed 's/^ *//' | sort -u | sed "s/^/check-glibcxx-fix:   [$name] /" || true
}
states="$work/app/obj/Debug/net10.0/torchsharp-glibcxx"
new_state() { # the state file that the last build added (one obj/ folder per source file and libstdc++ override)
  comm -13 <(printf '%s\n' "$1") <(ls "$states"/*/state.txt 2>/dev/null) | head -1
}
run_app() { # name: runs out-<name>/app.dll; sets $run (output) and $code (exit code)
  code=0; run="$(cd "$work/out-$1" && dotnet app.dll 2>&1)" || code=$?
}

# --- 1. new enough libstdc++: the output must be TorchSharp's file, byte for byte
step "build 1/3: -p:TorchSharpGlibcxxFixLibStdCxx=$work/newlib/libstdc++.so.6"
build newlib "-p:TorchSharpGlibcxxFixLibStdCxx=$work/newlib/libstdc++.so.6"
newstate="$(new_state "")"
[[ -n "$newstate" ]] || fail "the fix wrote no state file: did the build import $targets?"
step "  fix state: $(cat "$newstate")"
grep -q '^not-needed:' "$newstate" || fail "the fix did not report 'not-needed' against the stand-in libstdc++."
cmp "$original" "$work/out-newlib/runtimes/linux-x64/native/libLibTorchSharp.so" \
  || fail "with a libstdc++ that defines GLIBCXX_3.4.32 the output libLibTorchSharp.so differs from the NuGet cache's."
step "  OK: output libLibTorchSharp.so is byte-identical to $original"

# --- 2. this system's libstdc++: patched copy where needed (only weak-flag bytes differ), and it loads
step "build 2/3: this system's libstdc++"
build system
sysfile="$(new_state "$newstate")"
[[ -n "$sysfile" ]] || fail "the fix wrote no state file for this system's libstdc++."
sysstate="$(cat "$sysfile")"
step "  fix state: $sysstate"
out="$work/out-system/runtimes/linux-x64/native/libLibTorchSharp.so"
missing=""
case "$sysstate" in
  patched:*)
    missing="$(echo "$sysstate" | sed 's/^patched: \(.*\) marked weak.*/\1/')"
    nversions="$(echo "$missing" | tr ',' '\n' | grep -c .)"
    diffs="$(cmp -l "$original" "$out" || true)"
    [[ -n "$diffs" ]] || fail "the fix says it patched, but the output copy is identical to the original."
    ndiff="$(echo "$diffs" | wc -l)"
    [[ "$ndiff" == "$nversions" ]] || fail "expected $nversions differing byte(s) (one VER_FLG_WEAK per missing version), found $ndiff: $diffs"
    # cmp -l prints octal bytes; the patched byte must be the original with bit 1 (VER_FLG_WEAK = 2) set.
    while read -r offset before after; do
      (( (8#$before | 2) == 8#$after && 8#$before != 8#$after )) || fail "byte $offset changed from 0$before to 0$after, which is not setting VER_FLG_WEAK."
    done <<< "$diffs"
    [[ "$(stat -c %s "$original")" == "$(stat -c %s "$out")" ]] || fail "the patched copy's size differs from the original's."
    step "  OK: output copy differs from the original only in $ndiff VER_FLG_WEAK byte(s) ($(echo "$diffs" | awk '{printf "offset %d: 0%s -> 0%s ", $1-1, $2, $3}'))"
    ;;
  not-needed:*)
    cmp "$original" "$out" || fail "this libstdc++ needs no patch, but the output copy differs from the original."
    step "  OK: this system's libstdc++ is new enough; output copy is byte-identical to the original"
    ;;
  *) fail "unexpected fix state against this system's libstdc++: '$sysstate'" ;;
esac
run_app system
[[ "$code" == 0 && "$run" == "d2y=12 mapped=$out" ]] || { echo "$run" | head -20; fail "the app built against this system's libstdc++ exited $code with unexpected output."; }
step "  OK: the app passes TorchRuntime.EnsureLoaded(), loads that copy and computes: $run"

# --- 3. opt-out: the original, untouched; where it cannot load, EnsureLoaded says why and what fixes it
step "build 3/3: -p:TorchSharpGlibcxxFix=false"
build optout -p:TorchSharpGlibcxxFix=false
optout_lib="$work/out-optout/runtimes/linux-x64/native/libLibTorchSharp.so"
cmp "$original" "$optout_lib" || fail "with -p:TorchSharpGlibcxxFix=false the output libLibTorchSharp.so is not the original."
step "  OK: opt-out output libLibTorchSharp.so is byte-identical to the original"
run_app optout
if [[ -n "$missing" ]]; then
  # TorchSharp falls back to copying libtorch (1.5 GB) into out-optout/cpu/; the temp directory goes with it.
  [[ "$code" == 3 ]] || { echo "$run" | tail -20; fail "the opt-out app should fail at TorchRuntime.EnsureLoaded() (exit 3), but exited $code."; }
  message="$(grep '^TorchRuntimeException: ' <<<"$run" || true)"
  expected_start="TorchRuntimeException: TorchSharp's native library could not be loaded: $optout_lib needs "
  [[ "$message" == "$expected_start"* ]] || fail "the exception does not start with '$expected_start': '$message'"
  for version in ${missing//,/ }; do
    [[ "$message" == *"$version"* ]] || fail "the exception does not name the missing version $version: '$message'"
  done
  for text in "dotnet add package MeanFlow.GlibcxxFix" "-p:TorchSharpGlibcxxFix=false" "docs/articles/platform-support.md"; do
    [[ "$message" == *"$text"* ]] || fail "the exception does not say '$text': '$message'"
  done
  grep -qx "LibraryPath=$optout_lib MissingVersions=${missing//, /,}" <<<"$run" \
    || fail "unexpected LibraryPath/MissingVersions: $(grep '^LibraryPath=' <<<"$run")"
  step "  OK: the opt-out app fails at TorchRuntime.EnsureLoaded() (exit 3): ${message:0:220}..."
else
  [[ "$code" == 0 && "$run" == "d2y=12 mapped=$optout_lib" ]] || { echo "$run" | head -20; fail "this libstdc++ needs no patch, but the opt-out app exited $code: $run"; }
  step "  OK: nothing to fix on this system, and the opt-out app loads TorchSharp's file: $run"
fi

step "PASS ($((SECONDS - start)) s)"
