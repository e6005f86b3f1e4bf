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
