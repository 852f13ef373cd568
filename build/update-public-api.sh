#!/usr/bin/env bash
# Regenerates src/*/PublicAPI.Unshipped.txt from the public API analyzer's diagnostics:
#   RS0016 (public symbol missing from both files)  -> its line is added to PublicAPI.Unshipped.txt;
#   RS0017 (declared symbol no longer public/found) -> its line is removed from PublicAPI.Unshipped.txt
#            (a removed line of PublicAPI.Shipped.txt is a breaking change: reported, never edited here).
# Run it after adding, changing or removing public API, and after merging branches that did; then review and
# commit the diff of the Unshipped files. Policy: docs/articles/contributing.md. About 1-2 minutes on 2 cores.
#
#   bash build/update-public-api.sh           # update the files, then verify with a normal build
#   bash build/update-public-api.sh --check   # only report; exit 1 if a file is out of date (for CI)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
check_only=0
[[ "${1:-}" == "--check" ]] && check_only=1
log="$(mktemp)"

projects=()
for shipped in src/*/PublicAPI.Shipped.txt; do projects+=("$(dirname "$shipped")"); done
((${#projects[@]})) || { echo "update-public-api: no src/*/PublicAPI.Shipped.txt" >&2; exit 1; }

# Rebuild every tracked project (all target frameworks) in one MSBuild run, with the analyzer's errors as warnings
# so that every diagnostic is reported and a project that depends on another still builds. Rebuild: an up-to-date
# project would not run the analyzers.
traversal="$(mktemp --suffix .proj)"
trap 'rm -f "$log" "$traversal"' EXIT
build_all() {   # $1: target (Rebuild or Build), $2: extra properties
  local items="" dir
  for dir in "${projects[@]}"; do items+="    <P Include=\"$repo/$(ls "$dir"/*.csproj)\" />"$'\n'; done
  cat > "$traversal" <<XML
<Project>
  <ItemGroup>
$items  </ItemGroup>
  <Target Name="Go"><MSBuild Projects="@(P)" Targets="$1" BuildInParallel="true" Properties="$2" /></Target>
</Project>
XML
  for dir in "${projects[@]}"; do dotnet restore "$(ls "$dir"/*.csproj)" -v q > /dev/null; done
  dotnet msbuild "$traversal" -t:Go -nologo -clp:NoSummary -v:m
}
build_all Rebuild "TreatWarningsAsErrors=false" >> "$log" 2>&1 || { cat "$log"; echo "update-public-api: build failed" >&2; exit 1; }

stale=0
for dir in "${projects[@]}"; do
  csproj="$(cd "$dir" && pwd)/$(basename "$(ls "$dir"/*.csproj)")"
  unshipped="$dir/PublicAPI.Unshipped.txt"
  # Diagnostics of this project only (MSBuild appends [project.csproj::TargetFramework=...]); each symbol once.
  mine="$(grep -F "[$csproj" "$log" || true)"
  added="$(sed -n "s/.*warning RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" <<<"$mine" | LC_ALL=C sort -u)"
  removed="$(sed -n "s/.*warning RS0017: Symbol '\(.*\)' is part of the declared API, but is either not public or could not be found.*/\1/p" <<<"$mine" | LC_ALL=C sort -u)"
  other="$(grep -E 'warning RS00[0-9]+' <<<"$mine" | grep -vE 'RS001[67]' | sed 's/ (https[^)]*)//' | LC_ALL=C sort -u || true)"
  [[ -n "$other" ]] && { echo "$dir: other public API diagnostics (fix by hand):"; echo "$other"; stale=1; }
  shipped_removed="$(LC_ALL=C comm -12 <(printf '%s\n' "$removed") <(LC_ALL=C sort -u "$dir/PublicAPI.Shipped.txt"))"
  [[ -n "$shipped_removed" ]] && { echo "$dir: SHIPPED API removed (breaking change; edit PublicAPI.Shipped.txt only on purpose):"; echo "$shipped_removed"; stale=1; }
  n_added=$(grep -c . <<<"$added" || true); n_removed=$(grep -c . <<<"$removed" || true)
  echo "$dir: $n_added line(s) to add, $n_removed to remove"
  ((n_added + n_removed == 0)) && continue
  stale=1
  ((check_only)) && continue
  {
    echo '#nullable enable'
    LC_ALL=C comm -23 \
      <( (grep -v '^#nullable enable$' "$unshipped" || true; printf '%s\n' "$added") | grep . | LC_ALL=C sort -u) \
      <(printf '%s\n' "$removed" | LC_ALL=C sort -u)
  } > "$unshipped.tmp"
  mv "$unshipped.tmp" "$unshipped"
done

if ((check_only)); then
  ((stale)) && { echo "update-public-api: public API files are out of date; run bash build/update-public-api.sh" >&2; exit 1; }
  echo "update-public-api: public API files are up to date"; exit 0
fi
((stale)) || { echo "update-public-api: nothing to change"; exit 0; }
# Verify: a normal build (analyzer errors are errors) must now be clean.
build_all Build "" | grep -E "error|warning RS" && { echo "update-public-api: still failing" >&2; exit 1; }
echo "update-public-api: updated; review with: git diff -- 'src/*/PublicAPI.Unshipped.txt'"
