# Sourced by scripts/test: a virtualenv under target/ with the Open311 client libraries
# from PyPI (scripts/open311/requirements.txt), rebuilt when that list changes. After
# `open311_clients`, OPEN311_PYTHON is its interpreter.

open311_clients() {
  local venv=target/open311-venv
  local wanted=scripts/open311/requirements.txt
  if ! cmp -s "$wanted" "$venv/requirements.txt" 2>/dev/null; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$wanted"
    cp "$wanted" "$venv/requirements.txt"
  fi
  OPEN311_PYTHON="$PWD/$venv/bin/python"
}
