# Node.js as users run it, from the npm registry's `node` package (the registry is all these machines reach),
# for machines whose own Node is older than the project needs (engines.node >= 22). Sourced by .ci/run; by hand,
# from the repository root:
#   source .ci/node.sh && use_node 24     # then npm ci, npm test, ... run on Node 24
# Each version is installed once into .ci/tools/nodeMAJOR (git-ignored) and reused while it is unchanged. Its
# arch-specific package carries the headers that node-gyp needs to build a native module for that Node; npm's
# own nodedir setting on these machines points at the machine's Node, so use_node points npm_config_nodedir at them.
node24=24.21.0
node22=22.23.3
node_tools="$PWD/.ci/tools"
: "${machine_path:=$PATH}"

node_headers() { # DIR: the folder holding include/node of the Node installed there (npm's nodedir), or nothing
  local gypi
  gypi="$(find "$1/node_modules" -path '*/include/node/common.gypi' -print -quit 2>/dev/null || true)"
  if [ -n "$gypi" ]; then dirname "$(dirname "$(dirname "$gypi")")"; fi
}

install_node() { # VERSION: installs node@VERSION into .ci/tools/nodeMAJOR unless it is there already
  local version="$1" dir="$node_tools/node${1%%.*}"
  if [ "$("$dir/node_modules/.bin/node" --version 2>/dev/null || true)" = "v$version" ] && [ -n "$(node_headers "$dir")" ]; then
    return 0
  fi
  echo "Installing Node $version into $dir (npm package node@$version)"
  rm -rf "$dir" && mkdir -p "$dir" || return 1
  printf '{"private": true, "allowScripts": {"node": true}}\n' >"$dir/package.json"
  (cd "$dir" && PATH="$machine_path" npm install --no-audit --no-fund --loglevel=error "node@$version") || return 1
  [ "$("$dir/node_modules/.bin/node" --version)" = "v$version" ] || { echo "Node $version did not install into $dir" >&2; return 1; }
  [ -n "$(node_headers "$dir")" ] || { echo "Node $version in $dir has no headers (include/node/common.gypi)" >&2; return 1; }
}

use_node() { # 24 | 22 | VERSION: installs that Node if needed, puts it first on PATH, builds native modules for it
  local version="$1"
  case "$version" in 24) version="$node24" ;; 22) version="$node22" ;; esac
  install_node "$version" || return 1
  local dir="$node_tools/node${version%%.*}"
  export PATH="$dir/node_modules/.bin:$machine_path"
  npm_config_nodedir="$(node_headers "$dir")"
  export npm_config_nodedir
  [ "$(node --version)" = "v$version" ] || { echo "node on PATH is $(node --version), not v$version" >&2; return 1; }
  echo "Using Node $(node --version) ($(command -v node)), npm $(npm --version), headers in $npm_config_nodedir"
}
