#!/usr/bin/env bash
# Builds the documentation site (DocFX 2.81.0, pinned in .config/dotnet-tools.json) into docs/_site, with every
# DocFX warning an error: broken links, missing snippet files or regions, bad cross-references.
#
#   bash build/docs.sh                   # about 1-2 minutes on 2 cores (the API metadata builds src/)
#   dotnet docfx serve docs/_site        # then browse http://localhost:8080
#
# The API reference is generated from the XML docs of each package (net10.0), one section per package, into
# docs/api/{core,models,training,data}/, which is not committed (.gitignore); docs/api/toc.yml lists the sections.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
dotnet tool restore
rm -rf docs/_site docs/api/core docs/api/models docs/api/training docs/api/data docs/api/.manifest
dotnet docfx docs/docfx.json --warningsAsErrors
test -f docs/_site/index.html && test -f docs/_site/api/core/MeanFlow.Objectives.MeanFlowObjective.html \
  && test -f docs/_site/api/models/MeanFlow.Models.DiT.MeanFlowDiT.html \
  || { echo "docs: expected pages missing from docs/_site" >&2; exit 1; }
echo "docs: built docs/_site in ${SECONDS}s; serve it with: dotnet docfx serve docs/_site"
