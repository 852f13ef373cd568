#!/usr/bin/env bash
# Consumer check: pack every package under src/ into a temporary folder, check the packages' contents
# (readme, license, XML docs, buildTransitive targets, SourceLink in the symbol packages), then build and run a
# fresh console app OUTSIDE the repository that references them with `dotnet add package` (plus TorchSharp-cpu
# from nuget.org) and does real work through the public API (build/consumer/Program.cs). A second app that
# references only MeanFlow.Models is restored to check that MeanFlow.Core's buildTransitive targets (the TorchSharp
# libstdc++ fix) reach it through the dependency.
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
  [[ -f "$nupkg" && -f "$snupkg" ]] || fail "$id: missing .nupkg or .snupkg"
  listing="$(unzip -Z1 "$nupkg")"
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")"
  for f in README.md lib/net8.0/$id.dll lib/net8.0/$id.xml lib/net10.0/$id.dll lib/net10.0/$id.xml; do
    grep -qx "$f" <<<"$listing" || fail "$id: $f missing from the package"
  done
  for pattern in '<license type="expression">MIT</license>' '<readme>README.md</readme>' '<description>' '<tags>' \
                 '<projectUrl>https://github.com/' '<repository type="git" url="https://github.com/'; do
    grep -qF "$pattern" <<<"$nuspec" || fail "$id: nuspec lacks $pattern"
  done
  for tfm in net8.0 net10.0; do
    pdb="$(unzip -p "$snupkg" "lib/$tfm/$id.pdb" | tr -d '\0' | grep -ao '{"documents":{[^}]*}}' || true)"
    [[ "$pdb" == *'"/_/*":"https://raw.githubusercontent.com/'*"/${commit:-}"* ]] || fail "$id ($tfm): no SourceLink to the commit in the PDB: '$pdb'"
  done
  echo "$id: readme, MIT, XML docs, net8.0 + net10.0, SourceLink $(grep -o '"https[^"]*' <<<"$pdb" | tr -d '"')"
done
core_listing="$(unzip -Z1 "$work/packages/MeanFlow.Core.$version.nupkg")"
for f in buildTransitive/MeanFlow.Core.targets buildTransitive/TorchSharp.GlibcxxFix.targets; do
  grep -qx "$f" <<<"$core_listing" || fail "MeanFlow.Core: $f missing"
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

step "MeanFlow.Core's build step reaches an app that references only MeanFlow.Models"
mkdir -p "$work/models-only"
cp "$work/app/nuget.config" "$work/models-only/"
cp "$repo/build/consumer/Consumer.csproj.template" "$work/models-only/ModelsOnly.csproj"
(cd "$work/models-only" && add_package MeanFlow.Models "$version" > /dev/null)
grep -q "meanflow.core/$version/buildTransitive/MeanFlow.Core.targets" "$work/models-only/obj/ModelsOnly.csproj.nuget.g.targets" \
  || fail "an app referencing only MeanFlow.Models does not import MeanFlow.Core's buildTransitive targets"
echo "imported through the transitive MeanFlow.Core dependency"

step "build and run"
dotnet build -c Release -nologo -v q
dotnet run -c Release --no-build
echo "consumer-check: passed in ${SECONDS}s"
