#!/usr/bin/env bash
# Refresh the vendored front-end files from npm (run by hand when upgrading; the
# copies are committed so that the application works offline and needs no npm).
set -euo pipefail
cd "$(dirname "$0")/.."
npm install --no-audit --no-fund --ignore-scripts
dest=tracedesk/home/static/vendor
mkdir -p "$dest/htmx"
cp node_modules/htmx.org/dist/htmx.min.js "$dest/htmx/"
cp node_modules/htmx.org/LICENSE "$dest/htmx/" 2>/dev/null || true
clusters=tracedesk/clusters/static/clusters/vendor/cytoscape
mkdir -p "$clusters"
cp node_modules/cytoscape/dist/cytoscape.min.js node_modules/cytoscape/LICENSE "$clusters/"
echo "vendored: cytoscape $(node -p 'require("cytoscape/package.json").version')"
echo "vendored: htmx $(node -p 'require("htmx.org/package.json").version')"
