#!/usr/bin/env bash
# Sourced by the README's commands: puts a supported Node first on PATH. The machine's own when it is 22.15 (23.8) or
# newer; otherwise Node 24 (the current LTS) from the npm registry's `node` package, installed once under
# .tools/ in this checkout. Everything started afterwards (npm, jest, the services) runs on it.
DAEDALUS_NODE_VERSION=24

# 22.15 / 23.8 or newer (package.json "engines"): zlib's zstd, which backup compression uses, arrived then
daedalus_node_ok() {
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 && typeof require("zlib").createZstdCompress === "function" ? 0 : 1)' 2>/dev/null
}

if ! daedalus_node_ok; then
  tools="$(pwd)/.tools/node$DAEDALUS_NODE_VERSION"
  if [ ! -x "$tools/node_modules/node/bin/node" ]; then
    echo "Node $(node --version 2>/dev/null || echo '(none)') is too old: installing Node $DAEDALUS_NODE_VERSION into $tools"
    mkdir -p "$tools"
    npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "node@$DAEDALUS_NODE_VERSION" >/dev/null
  fi
  export PATH="$tools/node_modules/node/bin:$PATH"
  hash -r
fi
echo "using Node $(node --version) ($(command -v node))"
