#!/usr/bin/env bats
# The Slurm recipe of examples/cluster, against a real slurmctld and
# slurmd: a job array of partial runs, then a merge job that depends on
# it, give what one stream-agg gives over the whole log.

load helper

AGGS="-t time --tumbling 1m --max-delay 1m -g status count p99:bytes distinct:host"

setup() {
	cd "$BATS_TEST_TMPDIR"
	cp "$EXAMPLES/access.log" "$RECIPES/partial.sbatch" "$RECIPES/merge.sbatch" .
}

# job_ended ID: the job is over, or can never run.
job_ended() {
	local state
	state=$(scontrol show job "$1") || return 1
	! grep -qE 'JobState=(PENDING|CONFIGURING|RUNNING|COMPLETING)' <<<"$state" ||
	    grep -q 'Reason=DependencyNeverSatisfied' <<<"$state"
}

# submit_recipe SCRIPT: run SCRIPT (slurm.sh) and wait for its merge job;
# fail with the jobs' logs unless it completed.
submit_recipe() {
	local merge
	bash -e "$1" > submitted
	merge=$(sed -n 's/^Submitted batch job \([0-9]*\)$/\1/p' submitted)
	[ -n "$merge" ]
	poll 120 job_ended "$merge" || { echo "merge job $merge still waiting after 120 s" >&2; return 1; }
	scontrol show job "$merge" | grep -q 'JobState=COMPLETED' || {
		scontrol show job "$merge" >&2
		cat partial.*.log merge.log >&2 2>/dev/null
		return 1
	}
}

# clock FILE: the time of day of the first and last request in FILE.
clock() {
	sed -n '1p;$p' "$1" | sed 's/.*:\([0-9][0-9]:[0-9][0-9]:[0-9][0-9]\) .*/\1/'
}

@test "Slurm: a job array of partial runs and a dependent merge equal one process" {
	need slurm
	stream-agg --sort -o json $AGGS access.log > one
	submit_recipe "$RECIPES/slurm.sh"
	[ "$(ls state.? | wc -l)" -eq 4 ]
	[ "$(wc -l < one)" -gt 400 ]
	cmp one report.jsonl
}

@test "Slurm: shards that overlap in event time, one per host, merge to one process" {
	need slurm
	stream-agg --sort -o json $AGGS access.log > one
	# the recipe, its split replaced by a shard per client host
	sed 's/^split .*/event-route --shard host:4 ">shard.{}" access.log/' "$RECIPES/slurm.sh" > slurm.sh
	submit_recipe slurm.sh
	# every shard runs from the first ten minutes of the log to its last ten
	for i in 0 1 2 3; do
		clock shard.$i > span
		[[ "$(sed -n 1p span)" < 10:10:00 ]]
		[[ "$(sed -n 2p span)" > 11:47:00 ]]
	done
	cmp one report.jsonl
}
