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
  [ -n "${WEBDRIVER_PID:-}" ] && kill "$WEBDRIVER_PID" 2>/dev/null || true
}
