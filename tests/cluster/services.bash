# The services of make check-cluster, each on 127.0.0.1 only, in a
# directory of its own under $CLUSTER_DIR with its own configuration:
# munged and a single-node Slurm (slurmctld, slurmd), an sshd with a
# throw-away host key and client key, and mosquitto.  Sourced by
# tests/cluster/run, which starts them, and by the bats suites, which
# stop and start mosquitto for the fault test.
#
# Every process started here is recorded, by pid, in $CLUSTER_DIR/pids;
# stop_all stops each of those and nothing else.  A service that does not
# come up within its bounded wait makes its start function fail, with its
# own log on standard error.

# track PID NAME: remember a process to stop at the end.
track() {
	printf '%s %s\n' "$1" "$2" >> "$CLUSTER_DIR/pids"
	disown "$1" 2>/dev/null		# its end is ours to report, not the shell's
}

# alive PID: PID runs (a zombie has ended).
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop_pid PID: SIGTERM, then up to 10 s for it to go, then SIGKILL.
stop_pid() {
	local pid=$1 i
	alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		alive "$pid" || return 0
		sleep 0.05
	done
	kill -KILL "$pid" 2>/dev/null
	return 0
}

# stop_all: stop what was tracked, last started first; a pid is stopped
# only while it still names the process started (pids are reused).
stop_all() {
	local pid name
	[ -f "$CLUSTER_DIR/pids" ] || return 0
	tac "$CLUSTER_DIR/pids" | while read -r pid name; do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$name" ] && stop_pid "$pid"
	done
	return 0
}

# poll SECONDS CMD...: run CMD every 50 ms until it succeeds; fail after
# SECONDS.  The one way these tests wait: on a condition, never a guess.
poll() {
	local limit=$(($1 * 20)) i
	shift
	for ((i = 0; i < limit; i++)); do
		"$@" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# await PID SECONDS CMD...: poll CMD while the service PID runs; fail as
# soon as it has ended, or after SECONDS.
await() {
	local pid=$1 limit=$(($2 * 20)) i
	shift 2
	for ((i = 0; i < limit; i++)); do
		"$@" 2>/dev/null && return 0
		alive "$pid" || return 1
		sleep 0.05
	done
	return 1
}

# port_closed PORT: nothing listens on 127.0.0.1:PORT.
port_closed() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port: a port on 127.0.0.1 that nothing listens on and that no
# other service of this run was given.
free_port() {
	local p
	for ((p = 20000 + ($$ * 7 + RANDOM) % 30000; ; p++)); do
		grep -qx "$p" "$CLUSTER_DIR/ports" 2>/dev/null && continue
		port_closed "$p" || continue
		echo "$p" >> "$CLUSTER_DIR/ports"
		echo "$p"
		return 0
	done
}

# failed_start NAME LOG...: say that NAME did not start, with its logs.
failed_start() {
	local name=$1 f
	shift
	echo "$name did not start; its log:" >&2
	for f in "$@"; do
		[ -f "$f" ] && sed "s|^|  $(basename "$f"): |" "$f" >&2
	done
	return 1
}

start_munge() {
	local d=$CLUSTER_DIR/munge
	mkdir -p "$d" && chmod 711 "$d"
	mungekey -c -k "$d/munge.key" > "$d/mungekey.log" 2>&1 || {
		failed_start munged "$d/mungekey.log"
		return 1
	}
	munged -F -f --key-file="$d/munge.key" --socket="$d/munge.sock" \
	    --pid-file="$d/munged.pid" --log-file="$d/munged.log" \
	    --seed-file="$d/munged.seed" > "$d/out.log" 2>&1 &
	track $! munged
	munge_up() { munge -S "$d/munge.sock" -n | unmunge -S "$d/munge.sock" >/dev/null; }
	await $! 30 munge_up || failed_start munged "$d/out.log" "$d/munged.log"
}

# A single node, node0, at 127.0.0.1, with as many CPUs as this machine.
# No cgroup.conf: process tracking by /proc, no task plugin.
start_slurm() {
	local d=$CLUSTER_DIR/slurm
	mkdir -p "$d/state" "$d/spool"
	cat > "$d/slurm.conf" <<-EOF
	ClusterName=streamkit
	SlurmctldHost=localhost(127.0.0.1)
	SlurmctldPort=$(free_port)
	SlurmdPort=$(free_port)
	SlurmUser=root
	SlurmdUser=root
	AuthType=auth/munge
	CredType=cred/munge
	AuthInfo=socket=$CLUSTER_DIR/munge/munge.sock
	StateSaveLocation=$d/state
	SlurmdSpoolDir=$d/spool
	SlurmctldPidFile=$d/slurmctld.pid
	SlurmdPidFile=$d/slurmd.pid
	SlurmctldLogFile=$d/slurmctld.log
	SlurmdLogFile=$d/slurmd.log
	ProctrackType=proctrack/linuxproc
	TaskPlugin=task/none
	JobAcctGatherType=jobacct_gather/none
	AccountingStorageType=accounting_storage/none
	SelectType=select/cons_tres
	SelectTypeParameters=CR_Core
	SchedulerType=sched/builtin
	MpiDefault=none
	ReturnToService=2
	NodeName=node0 NodeAddr=127.0.0.1 NodeHostname=$(hostname -s) CPUs=$(nproc) State=UNKNOWN
	PartitionName=main Nodes=node0 Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF=$d/slurm.conf
	slurmctld -D -i > "$d/slurmctld.out" 2>&1 &
	local ctld=$!
	track $ctld slurmctld
	slurmd -D -N node0 > "$d/slurmd.out" 2>&1 &
	track $! slurmd
	slurm_up() { [ "$(sinfo -h -o %T)" = idle ]; }
	await $ctld 60 slurm_up || failed_start "slurmctld and slurmd" "$d/slurmctld.out" \
	    "$d/slurmctld.log" "$d/slurmd.out" "$d/slurmd.log"
}

# sshd needs its privilege separation directory; one made here is
# removed at the end.
start_sshd() {
	local d=$CLUSTER_DIR/ssh port
	mkdir -p "$d/home" && chmod 700 "$d"
	port=$(free_port)
	ssh-keygen -q -t ed25519 -N '' -f "$d/host_key" &&
	    ssh-keygen -q -t ed25519 -N '' -f "$d/client_key" > "$d/keygen.log" 2>&1 || {
		failed_start sshd "$d/keygen.log"
		return 1
	}
	cp "$d/client_key.pub" "$d/authorized_keys"
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd && touch "$CLUSTER_DIR/made-run-sshd"
	fi
	# SetEnv: the tools under test on the "remote" PATH, and a home of
	# its own for whatever a remote command writes under ~.
	cat > "$d/sshd_config" <<-EOF
	ListenAddress 127.0.0.1
	Port $port
	HostKey $d/host_key
	PidFile $d/sshd.pid
	AuthorizedKeysFile $d/authorized_keys
	PermitRootLogin prohibit-password
	PasswordAuthentication no
	KbdInteractiveAuthentication no
	UsePAM no
	StrictModes no
	SetEnv PATH=$STREAMKIT_BIN:/usr/local/bin:/usr/bin:/bin HOME=$d/home
	EOF
	cat > "$d/ssh_config" <<-EOF
	Host 127.0.0.1
	  Port $port
	  IdentityFile $d/client_key
	  IdentitiesOnly yes
	  UserKnownHostsFile $d/known_hosts
	  StrictHostKeyChecking accept-new
	  BatchMode yes
	EOF
	"$(command -v sshd || echo /usr/sbin/sshd)" -D -e -f "$d/sshd_config" > "$d/sshd.log" 2>&1 &
	track $! sshd
	# GNU parallel runs its ssh (and rsync's) through $PARALLEL_SSH
	export PARALLEL_SSH="ssh -F $d/ssh_config"
	ssh_up() { ssh -F "$d/ssh_config" 127.0.0.1 true; }
	await $! 30 ssh_up || failed_start sshd "$d/sshd.log"
}

# mosquitto with a persistent store saved at every change, so that a
# broker killed with SIGKILL keeps its sessions and queued messages.
# The clients find the broker through $XDG_CONFIG_HOME/mosquitto_{pub,sub}.
start_mosquitto() {
	local d=$CLUSTER_DIR/mqtt
	mkdir -p "$d" "$CLUSTER_DIR/xdg"
	if [ ! -f "$d/mosquitto.conf" ]; then
		MQTT_PORT=$(free_port)
		cat > "$d/mosquitto.conf" <<-EOF
		listener $MQTT_PORT 127.0.0.1
		allow_anonymous true
		user root
		persistence true
		persistence_location $d/
		autosave_interval 1
		autosave_on_changes true
		log_dest file $d/mosquitto.log
		log_type all
		EOF
		printf -- '-h 127.0.0.1\n-p %s\n' "$MQTT_PORT" > "$CLUSTER_DIR/xdg/mosquitto_pub"
		cp "$CLUSTER_DIR/xdg/mosquitto_pub" "$CLUSTER_DIR/xdg/mosquitto_sub"
	fi
	MQTT_PORT=$(sed -n 's/^listener \([0-9]*\) .*/\1/p' "$d/mosquitto.conf")
	export MQTT_PORT XDG_CONFIG_HOME=$CLUSTER_DIR/xdg
	# no descriptor of the caller's: bats waits for its output (3), a
	# test's fifo (5) would never see its end
	mosquitto -c "$d/mosquitto.conf" >> "$d/out.log" 2>&1 3>&- 4>&- 5>&- 6>&- &
	MQTT_PID=$!
	track "$MQTT_PID" mosquitto
	echo "$MQTT_PID" > "$d/pid"
	mqtt_up() { mosquitto_pub -t streamkit/probe -n -q 1; }
	await "$MQTT_PID" 30 mqtt_up || failed_start mosquitto "$d/out.log" "$d/mosquitto.log"
}

# kill_mosquitto: SIGKILL the broker, as a crash would, and wait until
# its port is closed.
kill_mosquitto() {
	kill -KILL "$(cat "$CLUSTER_DIR/mqtt/pid")"
	poll 30 port_closed "$MQTT_PORT"
}
