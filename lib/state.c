/*
 * state.c - the --state file and resuming inputs (see state.h).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hash.h"
#include "out.h"
#include "reader.h"
#include "state.h"

#define MARK_BYTES 4096

void
state_init(struct state *s)
{
	memset(s, 0, sizeof *s);
	buf_init(&s->body);
}

void
state_release(struct state *s)
{
	size_t i;

	for (i = 0; i < s->nin; i++)
		free(s->in[i].path);
	free(s->in);
	buf_release(&s->body);
	state_init(s);
}

/* The hash of the up to MARK_BYTES bytes before offset; 0 for none. */
static uint64_t
mark_of(int fd, off_t offset)
{
	char b[MARK_BYTES];
	off_t from = offset > MARK_BYTES ? offset - MARK_BYTES : 0;
	ssize_t n;

	if (offset == 0)
		return 0;
	n = pread(fd, b, (size_t)(offset - from), from);
	if (n != offset - from)
		return 0;
	return hash_bytes(b, (size_t)n);
}

static struct state_input *
input_slot(struct state *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nin; i++)
		if (strcmp(s->in[i].path, path) == 0)
			return &s->in[i];
	s->in = xgrowarray(s->in, &s->incap, s->nin + 1, sizeof *s->in);
	memset(&s->in[s->nin], 0, sizeof s->in[s->nin]);
	s->in[s->nin].path = xstrdup(path);
	return &s->in[s->nin++];
}

void
state_set_input(struct state *s, const char *path, int fd, off_t offset)
{
	struct state_input *in = input_slot(s, path);
	struct stat st;

	if (fstat(fd, &st) == 0) {
		in->dev = st.st_dev;
		in->ino = st.st_ino;
	}
	in->offset = offset;
	in->mark = mark_of(fd, offset);
}

const struct state_input *
state_input_of(const struct state *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->nin; i++)
		if (strcmp(s->in[i].path, path) == 0)
			return &s->in[i];
	return NULL;
}

/* A "file DEV INO OFFSET MARK PATH" line; -1 when malformed. */
static int
parse_input(struct state *s, const char *p, size_t n)
{
	char *line = xmemdup(p, n), *path;
	uintmax_t dev, ino, mark;
	intmax_t off;
	int used = 0, rc = -1;

	if (sscanf(line, "%ju %ju %jd %jx %n", &dev, &ino, &off, &mark,
	    &used) == 4 && used > 0 && line[used] != '\0' && off >= 0) {
		struct state_input *in;

		path = line + used;
		in = input_slot(s, path);
		in->dev = (dev_t)dev;
		in->ino = (ino_t)ino;
		in->offset = (off_t)off;
		in->mark = (uint64_t)mark;
		rc = 0;
	}
	free(line);
	return rc;
}

int
state_load(struct state *s, const char *path, const char *tool, char *err,
    size_t errlen)
{
	int fd, version;
	ssize_t n;
	size_t pos, i;
	struct buf all = BUF_INIT;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 1;
		snprintf(err, errlen, "state '%s': %s", path, strerror(errno));
		return -1;
	}
	do {
		buf_grow(&all, 65536);
		n = read(fd, all.data + all.len, all.cap - all.len - 1);
		if (n > 0)
			all.len += (size_t)n;
	} while (n > 0 || (n < 0 && errno == EINTR));
	close(fd);
	if (n < 0) {
		snprintf(err, errlen, "state '%s': %s", path, strerror(errno));
		buf_release(&all);
		return -1;
	}
	all.data[all.len] = '\0';
	if (sscanf(all.data, "streamkit-state %d", &version) != 1) {
		snprintf(err, errlen, "state '%s': not a streamkit state file",
		    path);
		buf_release(&all);
		return -1;
	}
	pos = strcspn(all.data, "\n");
	if (version != STATE_VERSION || pos == all.len ||
	    pos < strlen(tool) + 1 ||
	    strncmp(all.data + pos - strlen(tool), tool, strlen(tool)) != 0 ||
	    all.data[pos - strlen(tool) - 1] != ' ') {
		snprintf(err, errlen, "state '%s': written by %.*s, not "
		    "%s version %d", path, (int)pos, all.data, tool,
		    STATE_VERSION);
		buf_release(&all);
		return -1;
	}
	/* a state ends in "end": anything else was cut short */
	if (all.len < 5 || memcmp(all.data + all.len - 5, "\nend\n", 5) != 0) {
		snprintf(err, errlen, "state '%s': truncated", path);
		buf_release(&all);
		return -1;
	}
	for (i = pos + 1; i < all.len - 4;) {
		size_t e = i + strcspn(all.data + i, "\n");

		if (e - i > 7 && memcmp(all.data + i, "output ", 7) == 0) {
			long long len;

			if (sscanf(all.data + i + 7, "%lld", &len) != 1 ||
			    len < 0) {
				snprintf(err, errlen, "state '%s': a bad output "
				    "line", path);
				buf_release(&all);
				return -1;
			}
			s->output_len = (off_t)len;
		} else if (e - i > 5 && memcmp(all.data + i, "file ", 5) == 0) {
			if (parse_input(s, all.data + i + 5, e - i - 5) < 0) {
				snprintf(err, errlen, "state '%s': a bad file "
				    "line", path);
				buf_release(&all);
				return -1;
			}
		} else
			buf_add(&s->body, all.data + i, e - i + 1);
		i = e + 1;
	}
	buf_release(&all);
	return 0;
}

int
state_next(const struct state *s, size_t *pos, const char **kw,
    size_t *kwlen, const char **rest, size_t *restlen)
{
	const char *p = s->body.data + *pos, *e, *sp;

	if (*pos >= s->body.len)
		return 0;
	e = memchr(p, '\n', s->body.len - *pos);
	if (e == NULL)
		e = s->body.data + s->body.len;
	sp = memchr(p, ' ', (size_t)(e - p));
	*kw = p;
	*kwlen = sp ? (size_t)(sp - p) : (size_t)(e - p);
	*rest = sp ? sp + 1 : e;
	*restlen = (size_t)(e - *rest);
	*pos = (size_t)(e - s->body.data) + 1;
	return 1;
}

/* The directory of path, for the temporary file and the fsync. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return xstrdup(".");
	if (slash == path)
		return xstrdup("/");
	return xmemdup(path, (size_t)(slash - path));
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
state_save(const struct state *s, const char *path, const char *tool,
    char *err, size_t errlen)
{
	struct buf text = BUF_INIT, tmp = BUF_INIT;
	char *dir = dir_of(path);
	size_t i;
	int fd, dfd, rc = -1;

	buf_addf(&text, "streamkit-state %d %s\noutput %jd\n", STATE_VERSION,
	    tool, (intmax_t)s->output_len);
	for (i = 0; i < s->nin; i++)
		buf_addf(&text, "file %ju %ju %jd %" PRIx64 " %s\n",
		    (uintmax_t)s->in[i].dev, (uintmax_t)s->in[i].ino,
		    (intmax_t)s->in[i].offset, s->in[i].mark, s->in[i].path);
	buf_add(&text, s->body.data, s->body.len);
	buf_addstr(&text, "end\n");
	buf_addf(&tmp, "%s.tmp", path);	/* one run at a time per state */
	if ((fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		snprintf(err, errlen, "state '%s': %s", tmp.data,
		    strerror(errno));
		goto out;
	}
	if (write_all(fd, text.data, text.len) < 0 || fsync(fd) < 0) {
		snprintf(err, errlen, "state '%s': %s", tmp.data,
		    strerror(errno));
		close(fd);
		unlink(tmp.data);
		goto out;
	}
	close(fd);
	if (rename(tmp.data, path) < 0) {
		snprintf(err, errlen, "state '%s': %s", path, strerror(errno));
		unlink(tmp.data);
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	free(dir);
	buf_release(&text);
	buf_release(&tmp);
	return rc;
}

/* An entry of path's directory that satisfies ok(), opened, or -1. */
static int
find_sibling(const char *path, int (*ok)(int fd, const struct stat *st,
    const struct state_input *in), const struct state_input *in,
    char **name)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	struct buf full = BUF_INIT;
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = -1;

	while (d && found < 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		int fd;

		/* logrotate's names: app.log.1, app.log-20261124 */
		if (strncmp(de->d_name, base, strlen(base)) != 0 ||
		    strcmp(de->d_name, base) == 0)
			continue;
		buf_reset(&full);
		buf_addf(&full, "%s/%s", dir, de->d_name);
		if ((fd = open(full.data, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    ok(fd, &st, in)) {
			found = fd;
			*name = xstrdup(full.data);
		} else
			close(fd);
	}
	if (d)
		closedir(d);
	free(dir);
	buf_release(&full);
	return found;
}

static int
same_inode(int fd, const struct stat *st, const struct state_input *in)
{
	(void)fd;
	return st->st_dev == in->dev && st->st_ino == in->ino &&
	    st->st_size >= in->offset;
}

static int
same_bytes(int fd, const struct stat *st, const struct state_input *in)
{
	return st->st_size >= in->offset && in->offset > 0 &&
	    mark_of(fd, in->offset) == in->mark;
}

int
state_resume(const struct state_input *in, const char *path,
    struct state_piece piece[2])
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC), n = 0, old;
	char *name = NULL;

	if (fd < 0)
		return -1;
	if (in == NULL || fstat(fd, &st) < 0) {
		piece[0] = (struct state_piece){ fd, 0, xstrdup(path) };
		return 1;
	}
	if (st.st_dev == in->dev && st.st_ino == in->ino &&
	    st.st_size >= in->offset && mark_of(fd, in->offset) == in->mark) {
		piece[0] = (struct state_piece){ fd, in->offset, xstrdup(path) };
		return 1;
	}
	/* rotated: the old inode nearby; truncated: a copy of its bytes */
	if (st.st_dev == in->dev && st.st_ino == in->ino)
		old = find_sibling(path, same_bytes, in, &name);
	else
		old = find_sibling(path, same_inode, in, &name);
	if (old >= 0)
		piece[n++] = (struct state_piece){ old, in->offset, name };
	piece[n++] = (struct state_piece){ fd, 0, xstrdup(path) };
	return n;
}

int
state_read_operand(struct state *s, const char *path,
    int (*read)(struct reader *r, void *arg), void *arg)
{
	struct state_piece piece[2];
	struct reader r;
	int n, i, rc = 0;

	if ((n = state_resume(state_input_of(s, path), path, piece)) < 0)
		return -2;
	for (i = 0; i < n; i++) {
		reader_fdopen(&r, piece[i].fd, piece[i].name);
		r.owns_fd = 1;
		r.hold_partial = i == n - 1;
		if (lseek(piece[i].fd, piece[i].offset, SEEK_SET) < 0)
			rc = -1;
		r.offset = piece[i].offset;
		if (rc >= 0)
			rc = read(&r, arg);
		if (i == n - 1)
			state_set_input(s, path, piece[i].fd, reader_offset(&r));
		reader_close(&r);
		free(piece[i].name);
	}
	return rc;
}

int
state_output_open(const struct state *s, const char *path, char *err,
    size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (s ? 0 : O_TRUNC),
	    0644);

	if (fd < 0 || (s && (ftruncate(fd, s->output_len) < 0 ||
	    lseek(fd, 0, SEEK_END) < 0))) {
		snprintf(err, errlen, "'%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
state_output_sync(struct state *s, int fd, char *err, size_t errlen)
{
	off_t len;

	if ((fsync(fd) < 0 && errno != EINVAL) ||
	    (len = lseek(fd, 0, SEEK_END)) < 0) {
		snprintf(err, errlen, "output: %s", strerror(errno));
		return -1;
	}
	s->output_len = len;
	return 0;
}

int
state_commit(struct state *s, const char *path, const char *tool,
    struct out *o, int o_is_file, char *err, size_t errlen)
{
	if (out_flush(o) < 0) {
		snprintf(err, errlen, "write error: %s", strerror(o->err));
		return -1;
	}
	if (o_is_file && state_output_sync(s, o->fd, err, errlen) < 0)
		return -1;
	return state_save(s, path, tool, err, errlen);
}
