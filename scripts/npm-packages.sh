# Sourced by the project's scripts: installs the Node.js packages a folder pins in its lockfile
# (dynalite, the DynamoDB emulator; the CDK CLI), once, and again whenever the lockfile changes.
# Node.js itself is checked every time: the packages run on it, installed or not.

pi_npm_ci() {
  local dir=$1 purpose=$2
  if ! command -v npm >/dev/null 2>&1 ||
      ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
    echo "$purpose needs Node.js 20 or newer with npm (found: $(node --version 2>/dev/null || echo none));" \
      "install it and run this again." >&2
    exit 1
  fi
  if [ -f "$dir/node_modules/.package-lock.json" ] &&
      [ ! "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    return 0
  fi
  echo "Installing the Node.js packages of $dir ($purpose)..."
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}
