# Sourced by scripts/test: a virtualenv under target/ with the Python tools from PyPI
# (scripts/lib/requirements.txt: Open311 clients, schemathesis), rebuilt when that list
# changes. After `python_tools`, TOOLS_PYTHON is its interpreter and TOOLS_BIN its bin/.

python_tools() {
  local venv=target/py-venv
  local wanted=scripts/lib/requirements.txt
  if ! cmp -s "$wanted" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$wanted"
    cp "$wanted" "$venv/requirements.txt"
  fi
  TOOLS_PYTHON="$PWD/$venv/bin/python"
  TOOLS_BIN="$PWD/$venv/bin"
}
