# Sourced by scripts/test: installs Debian's Chromium, ChromeDriver and a CJK font (so pages
# and screenshots show Chinese, not boxes) when missing, and
# starts ChromeDriver on loopback. After `start_webdriver`, WEBDRIVER_URL names it; it
# stops on exit (call stop_webdriver from the caller's EXIT trap).

start_webdriver() {
  local missing=()
  for pkg in chromium chromium-driver fonts-wqy-microhei; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  local port=$(( 20000 + RANDOM % 20000 ))
  chromedriver --port="$port" --allowed-ips=127.0.0.1 >/dev/null 2>&1 &
  WEBDRIVER_PID=$!
  WEBDRIVER_URL="http://127.0.0.1:$port"
  for _ in $(seq 100); do
    (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "chromedriver did not start on $port" >&2
  return 1
}

stop_webdriver() {
  if [ -n "${WEBDRIVER_PID:-}" ]; then
    # The browsers it started go with it: a test that fails never quits its own.
    pkill -P "$WEBDRIVER_PID" 2>/dev/null || true
    kill "$WEBDRIVER_PID" 2>/dev/null || true
  fi
}

# Checks that stop_webdriver takes the browsers it started with it (a test that fails
# never quits its own): a second driver opens a session with PYTHON's urllib, is stopped,
# and none of its browsers is left running.
webdriver_cleans_up() {
  local python=$1 WEBDRIVER_PID WEBDRIVER_URL browsers p
  start_webdriver
  "$python" - "$WEBDRIVER_URL" <<'PY'
import json, sys, urllib.request
caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": {
    "binary": "/usr/bin/chromium", "args": ["--headless=new", "--no-sandbox"]}}}}
req = urllib.request.Request(sys.argv[1] + "/session", json.dumps(caps).encode(),
                             {"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=60).read()
PY
  browsers=$(pgrep -P "$WEBDRIVER_PID" || true)
  stop_webdriver
  if [ -z "$browsers" ]; then
    echo "webdriver cleanup: the session started no browser" >&2
    return 1
  fi
  # A browser takes a moment to close its windows and exit.
  for p in $browsers; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$p" 2>/dev/null; then
      echo "webdriver cleanup: browser $p still runs after its driver stopped" >&2
      return 1
    fi
  done
  echo "webdriver cleanup: stopping the driver stopped its browsers"
}
