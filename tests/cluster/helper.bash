# Shared set-up for the check-cluster suites, run by tests/cluster/run,
# which has started the services and exported CLUSTER_DIR, SLURM_CONF,
# PARALLEL_SSH, XDG_CONFIG_HOME (where the mosquitto clients find the
# broker) and STREAMKIT_BIN.
bats_require_minimum_version 1.5.0
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
EXAMPLES=$TOP/examples
RECIPES=$EXAMPLES/cluster
# shellcheck source=tests/cluster/services.bash
. "$BATS_TEST_DIRNAME/services.bash"
PATH=$STREAMKIT_BIN:$PATH

# need SERVICE: fail at once, and say why, when SERVICE did not start.
need() {
	[ -n "${CLUSTER_DIR:-}" ] || { echo "run by tests/cluster/run (make check-cluster)" >&2; return 1; }
	[ -f "$CLUSTER_DIR/up/$1" ] || { echo "$1 did not start: see its log above" >&2; return 1; }
}

# ids FILE: the distinct event ids in FILE, one a line, sorted.
ids() {
	sed -n 's/.*"id":\([0-9]*\).*/\1/p' "$1" | sort -nu
}

# events FROM TO: deterministic events with ids FROM..TO, a second apart.
events() {
	local i
	for ((i = $1; i <= $2; i++)); do
		printf '{"id":%d,"time":%d,"level":"error","host":"web%d"}\n' "$i" $((1795514400 + i)) $((i % 3))
	done
}

# subscribed CLIENT: the broker has taken CLIENT's subscription.
subscribed() {
	grep -q "Received SUBSCRIBE from $1\$" "$CLUSTER_DIR/mqtt/mosquitto.log"
}
