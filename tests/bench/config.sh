# Sourced by the benchmark scripts: bench_config prints the demo site's configuration
# with absolute paths (the scripts run the server from a scratch directory) and rate
# limits too high to refuse any benchmark request.
bench_config() {
  sed 's|^knowledge_dir = "kb"|knowledge_dir = "'"$PWD"'/widget-server/demo/kb"|; s|^intents_file = "intents.toml"|intents_file = "'"$PWD"'/widget-server/demo/intents.toml"|' \
    widget-server/demo/frontline.toml
  cat <<'TOML'
[server.rate_limits]
per_ip_per_minute = 100000000
per_ip_burst = 100000000
per_site_per_second = 100000000
per_site_burst = 100000000
TOML
}

# Exits with a message when one of the given loopback ports is taken (a server left
# over from an earlier run would otherwise answer in place of the one just built).
require_free_ports() {
  local port
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use; stop whatever listens there first" >&2
      exit 1
    fi
  done
}
