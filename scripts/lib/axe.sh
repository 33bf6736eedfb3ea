# Sourced by scripts/test: axe-core (the accessibility rules engine, from npm) under
# target/axe, installed when missing or when its pinned version changes. After `axe_tools`,
# AXE_JS is the script the browser tests inject into each page.

AXE_VERSION=4.14.1

axe_tools() {
  local dir=target/axe
  if [ "$(cat "$dir/version" 2>/dev/null)" != "$AXE_VERSION" ]; then
    rm -rf "$dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --silent --no-audit --no-fund "axe-core@$AXE_VERSION" >/dev/null
    echo "$AXE_VERSION" >"$dir/version"
  fi
  AXE_JS="$PWD/$dir/node_modules/axe-core/axe.min.js"
}
