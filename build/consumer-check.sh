#!/usr/bin/env bash
# Consumer check: pack every package under src/ into a temporary folder, check the packages' contents
# (libraries: readme, license, XML docs, SourceLink in the symbol packages, no build assets; the build-only
# MeanFlow.GlibcxxFix: readme, license, its buildTransitive targets and task source, nothing in lib/), then build and
# run a fresh console app OUTSIDE the repository that references them all with `dotnet add package` (plus
# TorchSharp-cpu from nuget.org) and does real work through the public API (build/consumer/Program.cs); on Debian 12 /
# Ubuntu 22.04 it runs because the MeanFlow.GlibcxxFix package's targets patched its libLibTorchSharp.so. A second app
# that references only MeanFlow.Core is restored to check that it gets no build-time patching at all.
#
#   bash build/consumer-check.sh            # about 2 minutes on 2 cores
#   KEEP=1 bash build/consumer-check.sh     # keep the temp folder (printed) for inspection
#
# The version is unique per run (0.1.0-ci.<UTC timestamp>.<pid>), so a package cached by an earlier run can never
# be used; this run's entries are removed from the NuGet cache at the end.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/meanflow-consumer.XXXXXX")"
version="0.1.0-ci.$(date -u +%Y%m%d%H%M%S).$$"
cache="${NUGET_PACKAGES:-$HOME/.nuget/packages}"
packages=()
for project in "$repo"/src/*/*.csproj; do packages+=("$(basename "$project" .csproj)"); done
# Build assets only (IncludeBuildOutput=false): checked for what they ship instead of lib/ and symbols.
build_only=(MeanFlow.GlibcxxFix)
is_build_only() { [[ " ${build_only[*]} " == *" $1 "* ]]; }
torchsharp_version="$(sed -n 's:.*<TorchSharpVersion>\(.*\)</TorchSharpVersion>.*:\1:p' "$repo/Directory.Packages.props")"

cleanup() {
  for id in "${packages[@]}"; do rm -rf "$cache/${id,,}/$version"; done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() { echo "consumer-check: FAIL: $*" >&2; exit 1; }
step() { echo; echo "== $* ($(( SECONDS ))s)"; }

step "pack $version into $work/packages"
# ContinuousIntegrationBuild: deterministic, path-independent (/_/) binaries, as a release build.
pack_args=(-c Release -o "$work/packages" -p:Version="$version" -p:ContinuousIntegrationBuild=true -nologo)
for id in "${packages[@]}"; do dotnet pack "$repo/src/$id/$id.csproj" "${pack_args[@]}"; done

step "package contents"
commit="$(git -C "$repo" rev-parse HEAD 2>/dev/null || true)"
for id in "${packages[@]}"; do
  nupkg="$work/packages/$id.$version.nupkg"
  snupkg="$work/packages/$id.$version.snupkg"
  [[ -f "$nupkg" ]] || fail "$id: missing .nupkg"
  listing="$(unzip -Z1 "$nupkg")"
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")"
  for pattern in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<description>' '<tags>' \
                 '<projectUrl>https://github.com/' '<repository type="git" url="https://github.com/'; do
    grep -qF "$pattern" <<<"$nuspec" || fail "$id: nuspec lacks $pattern"
  done
  if is_build_only "$id"; then
    # No assembly, so no symbols and no SourceLink to check: the package is its targets and the task source they compile.
    for f in README.md "buildTransitive/$id.targets" buildTransitive/GlibcxxFixTask.cs; do
      grep -qx "$f" <<<"$listing" || fail "$id: $f missing from the package"
    done
    grep -qE '^(lib|ref|runtimes)/' <<<"$listing" && fail "$id: a build-only package must ship nothing in lib/, ref/ or runtimes/"
    grep -q '<dependency ' <<<"$nuspec" && fail "$id: a build-only package must have no dependencies"
    [[ -f "$snupkg" ]] && fail "$id: a build-only package has no symbols, but $snupkg exists"
    echo "$id: readme, MIT, buildTransitive/$id.targets + task source, nothing in lib/, no dependencies"
    continue
  fi
  [[ -f "$snupkg" ]] || fail "$id: missing .snupkg"
  for f in README.md lib/net8.0/$id.dll lib/net8.0/$id.xml lib/net10.0/$id.dll lib/net10.0/$id.xml; do
    grep -qx "$f" <<<"$listing" || fail "$id: $f missing from the package"
  done
  # Libraries patch nothing in a consumer's build: that is MeanFlow.GlibcxxFix's job, for applications that opt in.
  grep -qE '^(build|buildTransitive|buildMultiTargeting)/' <<<"$listing" && fail "$id: a library package must carry no MSBuild build assets"
  for tfm in net8.0 net10.0; do
    pdb="$(unzip -p "$snupkg" "lib/$tfm/$id.pdb" | tr -d '\0' | grep -ao '{"documents":{[^}]*}}' || true)"
    [[ "$pdb" == *'"/_/*":"https://raw.githubusercontent.com/'*"/${commit:-}"* ]] || fail "$id ($tfm): no SourceLink to the commit in the PDB: '$pdb'"
  done
  echo "$id: readme, MIT, XML docs, net8.0 + net10.0, SourceLink $(grep -o '"https[^"]*' <<<"$pdb" | tr -d '"')"
done

step "fresh console app in $work/app"
mkdir -p "$work/app"
cp "$repo/build/consumer/Program.cs" "$work/app/Program.cs"
cp "$repo/build/consumer/Consumer.csproj.template" "$work/app/Consumer.csproj"
# MeanFlow.* only from the local folder, everything else only from nuget.org.
cat > "$work/app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$work/packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="MeanFlow.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cd "$work/app"
add_package() {
  dotnet add package "$1" --version "$2" > add-package.log 2>&1 || { cat add-package.log; fail "dotnet add package $1 $2"; }
  grep -E "^info : (Installed|PackageReference)" add-package.log || true
}
add_package TorchSharp-cpu "$torchsharp_version"
for id in "${packages[@]}"; do add_package "$id" "$version"; done
grep -q "$repo" obj/project.assets.json && fail "the app's restore refers to the repository"
grep -q "meanflow.glibcxxfix/$version/buildTransitive/MeanFlow.GlibcxxFix.targets" obj/Consumer.csproj.nuget.g.targets \
  || fail "the app references MeanFlow.GlibcxxFix but does not import its buildTransitive targets"
echo "the app imports MeanFlow.GlibcxxFix's targets from the package"

step "an app that references only MeanFlow.Core gets no patching targets"
mkdir -p "$work/core-only"
cp "$work/app/nuget.config" "$work/core-only/"
cp "$repo/build/consumer/Consumer.csproj.template" "$work/core-only/CoreOnly.csproj"
(cd "$work/core-only" && add_package MeanFlow.Core "$version" > /dev/null)
core_only_targets="$work/core-only/obj/CoreOnly.csproj.nuget.g.targets"
[[ -f "$core_only_targets" ]] || fail "restore wrote no $core_only_targets"
grep -qiE 'meanflow\.|GlibcxxFix' "$core_only_targets" && fail "an app referencing only MeanFlow.Core imports MeanFlow build targets: $(grep -iE 'meanflow\.|GlibcxxFix' "$core_only_targets")"
echo "no MeanFlow targets imported"

step "build and run"
dotnet build -c Release -nologo -v q
# Linux: the fix decided in this build, from the package's own files (patched on Debian 12 / Ubuntu 22.04, not-needed elsewhere).
if [[ "$(uname -s)" == Linux ]]; then
  fix_state="$(cat obj/Release/net10.0/torchsharp-glibcxx/*/state.txt 2>/dev/null || true)"
  [[ "$fix_state" == patched:* || "$fix_state" == not-needed:* ]] || fail "MeanFlow.GlibcxxFix did not run in the app's build (state: '$fix_state')"
  echo "MeanFlow.GlibcxxFix: $fix_state"
fi
dotnet run -c Release --no-build
echo "consumer-check: passed in ${SECONDS}s"
