#!/usr/bin/env bash
# check-glibcxx-fix.sh — proves what build/TorchSharp.GlibcxxFix.targets promises, on a throwaway console app
# (TorchSharp-cpu + this repository's Directory.Build.targets) built in a temp directory:
#   1. against a libstdc++ that defines GLIBCXX_3.4 .. 3.4.33 and CXXABI_1.3 .. 1.3.15 (generated here with g++
#      and a linker version script), the libLibTorchSharp.so in the output is byte-identical to the NuGet cache's;
#   2. against this system's libstdc++, the output copy is patched exactly where needed (only VER_FLG_WEAK bytes of
#      the versions that libstdc++ lacks differ) or, if nothing is lacking, is the original; either way the app
#      loads TorchSharp and computes;
#   3. with -p:TorchSharpGlibcxxFix=false the output copy is the original.
# Needs: Linux, the .NET SDK, g++, cmp. Takes about a minute. Nothing outside the temp directory is written
# (the NuGet cache is only read). Usage: build/check-glibcxx-fix.sh   (from anywhere; KEEP=1 keeps the temp dir)
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

# --- the throwaway app: TorchSharp-cpu plus this repository's Directory.Build.targets (which imports the fix)
mkdir -p "$work/app"
cp "$repo/nuget.config" "$repo/global.json" "$work/"
cat > "$work/app/Directory.Build.targets" <<EOF
<Project>
  <Import Project="$repo/Directory.Build.targets" />
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
  </ItemGroup>
</Project>
EOF
cat > "$work/app/Program.cs" <<'EOF'
using System;
using System.IO;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;

// d²/dx² of x³ at x = 2 is 12: loads TorchSharp's native library and runs a double backward in float64.
var x = tensor(2.0, dtype: float64).requires_grad_(true);
var dy = autograd.grad(new[] { x.pow(3) }, new[] { x }, retain_graph: true, create_graph: true, allow_unused: true)[0];
var d2y = autograd.grad(new[] { dy }, new[] { x }, retain_graph: false, allow_unused: true)[0];
var mapped = File.ReadLines("/proc/self/maps").Where(l => l.EndsWith("/libLibTorchSharp.so")).Select(l => l[l.IndexOf('/')..]).First();
Console.WriteLine($"d2y={d2y.item<double>()} mapped={mapped}");
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

# --- 1. new enough libstdc++: the output must be TorchSharp's file, byte for byte
step "build 1/3: -p:TorchSharpGlibcxxFixLibStdCxx=$work/newlib/libstdc++.so.6"
build newlib "-p:TorchSharpGlibcxxFixLibStdCxx=$work/newlib/libstdc++.so.6"
newstate="$(new_state "")"
[[ -n "$newstate" ]] || fail "the fix wrote no state file: did the build import build/TorchSharp.GlibcxxFix.targets?"
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
case "$sysstate" in
  patched:*)
    nversions="$(echo "$sysstate" | sed 's/^patched: \(.*\) marked weak.*/\1/' | tr ',' '\n' | grep -c .)"
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
run="$(cd "$work/out-system" && dotnet app.dll 2>&1)" || { echo "$run" | head -20; fail "the app built against this system's libstdc++ did not run."; }
[[ "$run" == "d2y=12 mapped=$out" ]] || fail "unexpected output from the app: $run"
step "  OK: the app loads it and computes: $run"

# --- 3. opt-out: the original, untouched
step "build 3/3: -p:TorchSharpGlibcxxFix=false"
build optout -p:TorchSharpGlibcxxFix=false
cmp "$original" "$work/out-optout/runtimes/linux-x64/native/libLibTorchSharp.so" \
  || fail "with -p:TorchSharpGlibcxxFix=false the output libLibTorchSharp.so is not the original."
step "  OK: opt-out output libLibTorchSharp.so is byte-identical to the original"

step "PASS ($((SECONDS - start)) s)"
