# Four shards of the log, a job array of partial runs over them, and a
# merge that starts when all of them have ended well.
split -n l/4 -d -a 1 access.log shard.
array=$(sbatch --parsable partial.sbatch)
sbatch --dependency=afterok:"$array" merge.sbatch
