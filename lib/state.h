/*
 * state.h - the --state file: what a run leaves for the next one, so that
 * a cron job reads only what is new and no window is emitted twice.
 *
 * The file is text: a first line "streamkit-state VERSION TOOL", then
 * lines "KEYWORD REST" that the tool writes and reads (its configuration,
 * the watermark, its open windows as partial state), and "file" lines
 * for the inputs, which this module writes and reads: where each file
 * operand was left, by device, inode, offset and a fingerprint of the
 * bytes before the offset.  It is replaced atomically (a temporary file
 * in the same directory, fsync, rename, fsync of the directory), so a
 * run killed at any moment leaves the old state or the new, never half.
 *
 * A struct state owns its text and its input positions.
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

#define STATE_VERSION 1

struct state_input {
	char *path;		/* the operand as given */
	dev_t dev;
	ino_t ino;
	off_t offset;		/* read up to here */
	uint64_t mark;		/* hash of the bytes before offset */
};

struct state {
	struct buf body;		/* the tool's lines, "file" lines aside */
	struct state_input *in;
	size_t nin, incap;
	off_t output_len;		/* -O: its length with this state */
};

void state_init(struct state *s);
void state_release(struct state *s);

/*
 * Read path into s.  0, 1 when there is no such file (a first run), or
 * -1 with a message in err: unreadable, corrupt, another version, or
 * another tool's.
 */
int state_load(struct state *s, const char *path, const char *tool,
    char *err, size_t errlen);
/* Write s to path atomically; 0, or -1 with a message in err. */
int state_save(const struct state *s, const char *path, const char *tool,
    char *err, size_t errlen);

/* The next "KEYWORD REST" line of the body from *pos: 1 with its parts
 * (not NUL-terminated), 0 at the end. */
int state_next(const struct state *s, size_t *pos, const char **kw,
    size_t *kwlen, const char **rest, size_t *restlen);

/* Where path was left, or NULL. */
const struct state_input *state_input_of(const struct state *s,
    const char *path);
/* Remember that path (open as fd) was read up to offset. */
void state_set_input(struct state *s, const char *path, int fd,
    off_t offset);

/*
 * Where to go on reading path: up to two pieces, each an open descriptor
 * and the offset to start from, in reading order.  The file as left; or,
 * when it was rotated (renamed, a new one in its place), the rest of the
 * old file, found by inode in the same directory, then the new one from
 * its start; or, when it was truncated (copytruncate), the rest of the
 * copy, found in the same directory by the bytes before the offset, then
 * the file from its start.  Only names that begin with the file's own
 * are looked at, as logrotate names them ("app.log.1").  Returns the number of pieces, or -1 with
 * errno when path cannot be opened.
 */
struct state_piece {
	int fd;
	off_t offset;
	char *name;		/* for diagnostics (owned) */
};
int state_resume(const struct state_input *in, const char *path,
    struct state_piece piece[2]);

struct reader;

/*
 * Read the operand path as state_resume says, calling read(r, arg) for
 * each piece (a last line without "\n" held back in the last), and
 * remember where it stopped.  Returns what read returned (-1 stops the
 * tool), 0, or -2 with errno when path cannot be opened.
 */
int state_read_operand(struct state *s, const char *path,
    int (*read)(struct reader *r, void *arg), void *arg);

/*
 * -O FILE: open it for writing; with a state, append after cutting it
 * back to the length the state knew (0 on a first run), so that what a
 * killed run wrote after its last state is written again once.  The fd,
 * or -1 with a message in err.
 */
int state_output_open(const struct state *s, const char *path, char *err,
    size_t errlen);
/* Sync the output fd and take its length into s; -1 with err. */
int state_output_sync(struct state *s, int fd, char *err, size_t errlen);

struct out;
/*
 * The end of a run: flush o; if it is -O's file, sync it and take its
 * length; then save s.  In that order, so that a crash between the two
 * only repeats what the next run cuts back.  0, or -1 with err.
 */
int state_commit(struct state *s, const char *path, const char *tool,
    struct out *o, int o_is_file, char *err, size_t errlen);

#endif
