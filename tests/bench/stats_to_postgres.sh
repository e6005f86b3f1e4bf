#!/usr/bin/env bash
# Copies the stats bench's SQLite database into a fresh PostgreSQL store, so both backends
# are measured on the same 1,000,000 conversations (generating them through the store API
# on PostgreSQL takes far longer):
#
#   bash tests/bench/stats_to_postgres.sh /tmp/stats.db postgres://postgres@127.0.0.1:5432 h22bench
#
# The database is created and migrated by a first `cargo bench … --bench stats` run with
# CONVERSATIONS=0 (it generates nothing then), the raw rows are copied with triggers off
# (`session_replication_role = replica`), and the rollups are refilled with the
# migrations' own fill statements (0017, 0025 and 0030). Then run the bench with
# STATS_DB=<admin url>/<name>: an existing history is measured, not generated.
set -euo pipefail
sqlite_db=$1 admin=$2 name=$3
url="$admin/$name"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/../.."
psql "$admin/postgres" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)" -c "CREATE DATABASE $name"
# BENCH: an already built bench binary, instead of building one.
CONVERSATIONS=0 STATS_DB="$url" ${BENCH:-cargo bench --profile release -p frontline-tests --bench stats --} >/dev/null 2>&1 || true
for table in conversations messages escalations feedback; do
  pg=$(psql "$url" -Atc "SELECT column_name FROM information_schema.columns WHERE table_name = '$table'" | sort)
  lite=$(sqlite3 "$sqlite_db" "SELECT name FROM pragma_table_info('$table')" | sort)
  columns=$(comm -12 <(echo "$pg") <(echo "$lite") | paste -sd, -)
  sqlite3 -csv -nullvalue '\N' "$sqlite_db" "SELECT $columns FROM $table" > "$work/$table.csv"
  psql "$url" -q -c "SET session_replication_role = replica" \
    -c "\\copy $table ($columns) FROM '$work/$table.csv' WITH (FORMAT csv, NULL '\\N')"
  echo "$table: $(wc -l < "$work/$table.csv") rows"
done
fill() { # migration file: its statements from the first INSERT on
  sed -n '/^INSERT INTO/,$p' "shared/migrations/postgres/$1"
}
# 0030's fill: the statement after "-- The escalations an earlier release stored."
timings() { sed -n '/^-- The escalations an earlier release stored/,/^$/p' shared/migrations/postgres/0030_timing_histograms.sql; }
psql "$url" -q -v ON_ERROR_STOP=1 \
  -c "TRUNCATE stats_rollups, intent_rollups, intent_rollups_daily, timing_rollups" \
  -c "$(fill 0017_rollups.sql)" -c "$(fill 0025_faster_reports.sql | sed '/^-- /,$d')" \
  -c "$(timings)"
psql "$url" -q -c "VACUUM ANALYZE"
