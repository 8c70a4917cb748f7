#!/bin/bash
# Maps the InfluxQL database 'roomwatch' (retention policy 'autogen') to the
# roomwatch bucket, so the collector's and Grafana's InfluxQL reads (/query?db=roomwatch)
# reach InfluxDB 2.x.
#
# The influxdb:2.7 image runs this once, right after DOCKER_INFLUXDB_INIT_MODE=setup
# created the org, bucket and admin token (it must be executable: chmod +x). The
# image's scripts do not run again on a volume that is already set up; for such a
# volume run it by hand, it is idempotent:
#   docker compose exec influxdb /docker-entrypoint-initdb.d/10-roomwatch-dbrp.sh
set -euo pipefail

db="${ROOMWATCH_INFLUX_DATABASE:-roomwatch}"
rp="${ROOMWATCH_INFLUX_RETENTION_POLICY:-autogen}"
org="${DOCKER_INFLUXDB_INIT_ORG:?DOCKER_INFLUXDB_INIT_ORG is not set}"
bucket="${DOCKER_INFLUXDB_INIT_BUCKET:?DOCKER_INFLUXDB_INIT_BUCKET is not set}"

# During setup the image exports INFLUX_HOST and a CLI config holding the admin
# token; by hand (docker compose exec) use the admin token from the environment.
export INFLUX_TOKEN="${INFLUX_TOKEN:-${DOCKER_INFLUXDB_INIT_ADMIN_TOKEN:-}}"
[ -n "${INFLUX_TOKEN}" ] || unset INFLUX_TOKEN

bucket_id="${DOCKER_INFLUXDB_INIT_BUCKET_ID:-}"
if [ -z "${bucket_id}" ]; then
  bucket_id="$(influx bucket list --org "${org}" --name "${bucket}" --hide-headers | cut -f 1)"
fi
if [ -z "${bucket_id}" ]; then
  echo "roomwatch: bucket '${bucket}' not found in org '${org}'" >&2
  exit 1
fi

if influx v1 dbrp list --org "${org}" --db "${db}" --hide-headers 2>/dev/null | grep -q .; then
  echo "roomwatch: DBRP mapping for database '${db}' exists already"
  exit 0
fi

influx v1 dbrp create --org "${org}" --bucket-id "${bucket_id}" --db "${db}" --rp "${rp}" --default
echo "roomwatch: InfluxQL database '${db}' (rp '${rp}') now reads bucket '${bucket}'"
