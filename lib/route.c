/*
 * route.c - event-route's rules and destinations (see route.h).
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agg.h"
#include "diag.h"
#include "hash.h"
#include "json.h"
#include "route.h"
#include "sig.h"
#include "time.h"

extern char **environ;

void
router_init(struct router *r, struct out *stdout_out)
{
	memset(r, 0, sizeof *r);
	r->max_open = 128;
	r->max_procs = 1;
	r->grace = INT64_C(10) * US_PER_SEC;
	r->stdout_out = stdout_out;
	buf_init(&r->env);
	keytab_init(&r->paths);
	buf_init(&r->path);
	buf_init(&r->scratch);
}

static char *
trimmed(const char *p, size_t n)
{
	while (n > 0 && (*p == ' ' || *p == '\t'))
		p++, n--;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
		n--;
	return xmemdup(p, n);
}

/* The "->" that ends the predicate: the first outside quotes. */
static const char *
arrow(const char *s)
{
	char quote = 0;

	for (; *s; s++) {
		if (quote) {
			if (*s == '\\' && s[1])
				s++;
			else if (*s == quote)
				quote = 0;
		} else if (*s == '"' || *s == '\'')
			quote = *s;
		else if (s[0] == '-' && s[1] == '>')
			return s;
	}
	return NULL;
}

int
router_is_rule(const char *text)
{
	return arrow(text) != NULL;
}

/* The {field} templates of a file name, as slots. */
static void
templates(struct rule *ru, struct fieldset *fs)
{
	const char *p = ru->target, *e;

	while ((p = strchr(p, '{')) != NULL && (e = strchr(p, '}')) != NULL) {
		if (e > p + 1) {
			ru->slots = xrealloc(ru->slots,
			    (ru->nslots + 1) * sizeof *ru->slots);
			ru->slots[ru->nslots++] = fieldset_add(fs, p + 1,
			    (size_t)(e - p - 1));
		}
		p = e + 1;
	}
}

/* The destination of ru from text d (at column col of the rule). */
static int
destination(struct rule *ru, const char *d, size_t col, struct fieldset *fs,
    char *err, size_t errlen)
{
	if (strcmp(d, "-") == 0)
		ru->kind = DEST_STDOUT;
	else if (d[0] == '>') {
		ru->kind = DEST_FILE;
		ru->append = d[1] == '>';
		ru->target = trimmed(d + 1 + ru->append,
		    strlen(d + 1 + ru->append));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a file after "
			    "'%s'", col + 2 + ru->append, ru->append ? ">>" :
			    ">");
			return -1;
		}
		templates(ru, fs);
	} else if (d[0] == '|') {
		ru->kind = DEST_PIPE;
		ru->target = trimmed(d + 1, strlen(d + 1));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a command after "
			    "'|'", col + 2);
			return -1;
		}
	} else if (d[0] == '!') {
		ru->kind = DEST_EXEC;
		ru->target = trimmed(d + 1, strlen(d + 1));
		if (*ru->target == '\0') {
			snprintf(err, errlen, "at %zu: expected a command after "
			    "'!'", col + 2);
			return -1;
		}
	} else {
		snprintf(err, errlen, "at %zu: expected a destination: -, "
		    ">>FILE, >FILE, |CMD or !CMD", col + 1);
		return -1;
	}
	return 0;
}

static struct rule *
new_rule(struct router *r, const char *text)
{
	struct rule *ru;

	r->rules = xrealloc(r->rules, (r->nrules + 1) * sizeof *r->rules);
	ru = &r->rules[r->nrules++];
	memset(ru, 0, sizeof *ru);
	ru->text = xstrdup(text);
	ru->nshards = 1;
	return ru;
}

int
router_add(struct router *r, const char *text, struct fieldset *fs,
    char *err, size_t errlen)
{
	const char *a = arrow(text);
	char *pred, *dest, perr[200];
	struct rule *ru;
	int at, rc = 0;

	if (a == NULL) {
		snprintf(err, errlen, "at %zu: expected 'PREDICATE -> "
		    "DESTINATION'", strlen(text) + 1);
		return -1;
	}
	pred = trimmed(text, (size_t)(a - text));
	dest = trimmed(a + 2, strlen(a + 2));
	ru = new_rule(r, text);
	if (*pred == '\0')
		snprintf(err, errlen, "at 1: expected a predicate or else "
		    "before '->'"), rc = -1;
	else if (strcmp(pred, "else") != 0 &&
	    (ru->pred = pred_compile(pred, fs, perr, sizeof perr)) == NULL) {
		/* the predicate's position, in the whole rule */
		size_t lead = strspn(text, " \t");

		if (sscanf(perr, "at %d:", &at) == 1)
			snprintf(err, errlen, "at %zu:%s", lead + (size_t)at,
			    strchr(perr, ':') + 1);
		else
			snprintf(err, errlen, "%s", perr);
		rc = -1;
	} else if (*dest == '\0')
		snprintf(err, errlen, "at %zu: expected a destination after "
		    "'->'", (size_t)(a - text) + 3), rc = -1;
	else
		rc = destination(ru, dest, (size_t)(strstr(a, dest) - text),
		    fs, err, errlen);
	free(pred);
	free(dest);
	return rc;
}

int
router_add_shard(struct router *r, const char *spec, const char *dest,
    struct fieldset *fs, char *err, size_t errlen)
{
	const char *colon = strrchr(spec, ':'), *p, *comma;
	struct rule *ru = new_rule(r, spec);
	char *end;
	long n;

	if (colon == NULL || colon == spec || (n = strtol(colon + 1, &end,
	    10)) < 1 || *end != '\0' || n > 65536) {
		snprintf(err, errlen, "--shard '%s': expected FIELDS:N, N from 1 "
		    "to 65536", spec);
		return -1;
	}
	ru->nshards = (size_t)n;
	for (p = spec; p < colon; p = comma + 1) {
		comma = memchr(p, ',', (size_t)(colon - p));
		if (comma == NULL)
			comma = colon;
		if (comma == p) {
			snprintf(err, errlen, "--shard '%s': an empty field",
			    spec);
			return -1;
		}
		ru->keyslots = xrealloc(ru->keyslots,
		    (ru->nkeys + 1) * sizeof *ru->keyslots);
		ru->keynames = xrealloc(ru->keynames,
		    (ru->nkeys + 1) * sizeof *ru->keynames);
		ru->keynames[ru->nkeys] = xmemdup(p, (size_t)(comma - p));
		ru->keyslots[ru->nkeys++] = fieldset_add(fs, p,
		    (size_t)(comma - p));
	}
	if (strstr(dest, "{}") == NULL && strcmp(dest, "-") != 0) {
		snprintf(err, errlen, "--shard: '%s' has no {} for the shard "
		    "number", dest);
		return -1;
	}
	return destination(ru, dest, 0, fs, err, errlen);
}

/* A command with {} as the shard number. */
static char *
with_shard(const char *cmd, size_t shard)
{
	struct buf b = BUF_INIT;
	const char *p;

	while ((p = strstr(cmd, "{}")) != NULL) {
		buf_add(&b, cmd, (size_t)(p - cmd));
		buf_addf(&b, "%zu", shard);
		cmd = p + 2;
	}
	buf_addstr(&b, cmd);
	return buf_detach(&b, NULL);
}

/* Commands run in a process group of their own, so that --grace can end
 * all that a shell started. */
static const posix_spawnattr_t *
own_group(void)
{
	static posix_spawnattr_t attr;
	static int made;

	if (!made) {
		posix_spawnattr_init(&attr);
		posix_spawnattr_setpgroup(&attr, 0);
		posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
		made = 1;
	}
	return &attr;
}

static int
spawn(struct handler *h, char *err, size_t errlen)
{
	posix_spawn_file_actions_t fa;
	char *argv[4] = { "sh", "-c", h->cmd, NULL };
	int fd[2], rc;

	if (pipe(fd) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);	/* no other handler holds it */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	rc = posix_spawn(&h->pid, "/bin/sh", &fa, own_group(), argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[0]);
	if (rc != 0) {
		close(fd[1]);
		snprintf(err, errlen, "cannot run '%s': %s", h->cmd,
		    strerror(rc));
		return -1;
	}
	h->fd = fd[1];
	fcntl(h->fd, F_SETFL, O_NONBLOCK);	/* a slow one holds no other */
	return 0;
}

int
router_start(struct router *r, char *err, size_t errlen)
{
	size_t i, k;

	for (i = 0; i < r->nrules; i++) {
		struct rule *ru = &r->rules[i];

		if (ru->kind != DEST_PIPE)
			continue;
		ru->handlers = xcalloc(ru->nshards, sizeof *ru->handlers);
		for (k = 0; k < ru->nshards; k++) {
			buf_init(&ru->handlers[k].pending);
			ru->handlers[k].cmd = ru->nkeys ?
			    with_shard(ru->target, k) : xstrdup(ru->target);
			if (spawn(&ru->handlers[k], err, errlen) < 0)
				return -1;
		}
	}
	return 0;
}

/* Directories on the way to path, as mkdir -p makes them. */
static void
make_dirs(char *path)
{
	char *s;

	for (s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0777);
		*s = '/';
	}
}

static void
close_file(struct route_file *f)
{
	out_flush(&f->out);
	close(f->out.fd);
	free(f->out.buf);
	f->open = 0;
}

/* The file of path, open, the least recently used closed if need be. */
static struct route_file *
file_of(struct router *r, const char *path, int append)
{
	struct route_file *f;
	size_t i, lru = (size_t)-1, len = strlen(path), id;
	int fd, added;

	id = keytab_intern(&r->paths, path, len, hash_bytes(path, len), &added);
	if (added) {
		r->files = xgrowarray(r->files, &r->filecap, r->nfiles + 1,
		    sizeof *r->files);
		f = &r->files[r->nfiles++];
		memset(f, 0, sizeof *f);
		f->path = xstrdup(path);
	}
	f = &r->files[id];
	f->used = ++r->clock;
	if (f->open)
		return f;
	if (r->nopen >= r->max_open) {
		for (i = 0; i < r->nfiles; i++)
			if (r->files[i].open && (lru == (size_t)-1 ||
			    r->files[i].used < r->files[lru].used))
				lru = i;
		close_file(&r->files[lru]);
		r->nopen--;
	}
	make_dirs(f->path);
	fd = open(f->path, O_WRONLY | O_CREAT |
	    (append || f->truncated ? O_APPEND : O_TRUNC), 0666);
	if (fd < 0) {
		diag_warn("cannot open '%s': %s", f->path, strerror(errno));
		return NULL;
	}
	f->truncated = 1;
	out_init(&f->out, fd, f->path);
	f->open = 1;
	r->nopen++;
	return f;
}

/* The file name of ru for rec: its templates filled, '/' and a leading
 * '.' of a value made '_', a missing field "_". */
static const char *
file_name(struct router *r, const struct rule *ru, const struct record *rec,
    size_t shard)
{
	const char *p = ru->target, *e, *v;
	size_t k = 0, n, i;

	buf_reset(&r->path);
	while ((e = strchr(p, '{')) != NULL && strchr(e, '}') != NULL) {
		buf_add(&r->path, p, (size_t)(e - p));
		p = strchr(e, '}') + 1;
		if (p == e + 2) {		/* {}: the shard */
			buf_addf(&r->path, "%zu", shard);
			continue;
		}
		buf_reset(&r->scratch);
		v = val_text(&rec->v[ru->slots[k++]], &r->scratch, &n);
		if (v == NULL || n == 0) {
			buf_addc(&r->path, '_');
			continue;
		}
		for (i = 0; i < n; i++)
			buf_addc(&r->path, v[i] == '/' || v[i] == '\0' ||
			    (i == 0 && v[i] == '.') ? '_' : v[i]);
	}
	buf_addstr(&r->path, p);
	return r->path.data;
}

/* The shard of rec: hash_bytes of its key text, modulo N. */
static size_t
shard_of(struct router *r, const struct rule *ru, const struct record *rec)
{
	const char *key;
	size_t len;
	char why[128];

	if (agg_key(rec, ru->keyslots, ru->keynames, ru->nkeys, &r->path,
	    &r->scratch, &key, &len, why, sizeof why) < 0)
		return 0;		/* a missing key: shard 0 */
	return (size_t)(hash_bytes(key, len) % ru->nshards);
}

/* Per-event commands */

/* One top-level field as EVENT_name=value, NUL-separated in r->env. */
static void
add_env(void *arg, const char *key, size_t klen, int kesc, const char *val,
    size_t vlen)
{
	struct router *r = arg;
	struct buf *b = &r->env;
	size_t i, n;
	const char *text;
	struct val v = { val + 1, vlen >= 2 ? vlen - 2 : 0, VAL_STR, ESC_JSON };

	(void)kesc;
	buf_addstr(b, "EVENT_");
	for (i = 0; i < klen; i++) {
		unsigned char c = (unsigned char)key[i];

		buf_addc(b, (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') ? c : '_');
	}
	buf_addc(b, '=');
	if (vlen >= 2 && *val == '"' && (text = val_text(&v, &r->scratch,
	    &n)) != NULL && memchr(text, '\0', n) == NULL)
		buf_add(b, text, n);
	else
		buf_add(b, val, vlen);
	buf_addc(b, '\0');
}

/* The environment of a command for this event: ours and its fields. */
static char **
event_env(struct router *r, const char *line, size_t len)
{
	size_t n = 0, k = 0, i;
	char **envp;
	const char *p;

	buf_reset(&r->env);
	buf_reset(&r->scratch);
	json_each(line, len, add_env, r);	/* not JSON: no fields */
	for (p = r->env.data; p < r->env.data + r->env.len; p += strlen(p) + 1)
		k++;
	while (environ[n])
		n++;
	envp = xcalloc(n + k + 1, sizeof *envp);
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	for (p = r->env.data; k-- > 0; p += strlen(p) + 1)
		envp[i++] = (char *)p;
	return envp;
}

static int
run_job(struct router *r, struct route_job *j)
{
	posix_spawn_file_actions_t fa;
	char *argv[4] = { "sh", "-c", r->rules[j->rule].target, NULL };
	char **envp = event_env(r, j->event, j->len);
	int fd[2], rc;

	if (pipe(fd) < 0) {
		free(envp);
		return -1;
	}
	fcntl(fd[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[0], 0);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	rc = posix_spawn(&j->pid, "/bin/sh", &fa, own_group(), argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(fd[0]);
	if (rc == 0) {		/* a command that does not read is its own */
		ssize_t w = 0;
		size_t off = 0;

		while (off < j->len + 1 && (w = write(fd[1], off < j->len ?
		    j->event + off : "\n", off < j->len ? j->len - off : 1)) >
		    0)
			off += (size_t)w;
	}
	close(fd[1]);
	return rc == 0 ? 0 : -1;
}

/* A job ended with status st: delivered, retried, or dead. */
static void
job_done(struct router *r, size_t i, int st)
{
	struct route_job *j = &r->jobs[i];
	struct rule *ru = &r->rules[j->rule];

	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		ru->delivered++;
	else if (j->attempt < r->retries) {
		/* back off: 10 ms, 20 ms, 40 ms ... */
		usleep(10000u << (j->attempt < 10 ? j->attempt : 10));
		j->attempt++;
		if (run_job(r, j) == 0)
			return;
		ru->lost++;
		r->status = 1;
	} else if (r->dead_letter) {
		out_write(r->dead_letter, j->event, j->len);
		out_putc(r->dead_letter, '\n');
		ru->dead++;
	} else {
		ru->lost++;
		r->status = 1;
	}
	free(j->event);
	r->jobs[i] = r->jobs[--r->njobs];
}

static void
reaped_handler(struct router *r, pid_t pid, int st)
{
	size_t i, k;

	for (i = 0; i < r->nrules; i++)
		for (k = 0; r->rules[i].handlers && k < r->rules[i].nshards;
		    k++)
			if (r->rules[i].handlers[k].pid == pid) {
				r->rules[i].handlers[k].reaped = 1;
				r->rules[i].handlers[k].status = st;
			}
}

/* Wait for one job to end. */
static void
wait_job(struct router *r)
{
	pid_t pid;
	size_t i;
	int st;

	while ((pid = waitpid(-1, &st, 0)) < 0 && errno == EINTR)
		;
	for (i = 0; pid > 0 && i < r->njobs; i++)
		if (r->jobs[i].pid == pid) {
			job_done(r, i, st);
			return;
		}
	reaped_handler(r, pid, st);	/* a handler ended meanwhile */
}

/* The end of the grace period, counted from the first call. */
static int64_t
grace_end(struct router *r)
{
	static int64_t end;

	if (end == 0)
		end = mono_now().us + (r->grace ? r->grace : INT64_MAX / 2);
	return end;
}

/* waitpid(pid) until the grace ends; then the process is killed. */
static int
wait_until(struct router *r, pid_t pid, int *st, const char *what)
{
	pid_t got;

	for (;;) {
		if ((got = waitpid(pid, st, WNOHANG)) != 0 &&
		    !(got < 0 && errno == EINTR))
			return got;
		if (mono_now().us >= grace_end(r)) {
			diag_warn("%s did not end within --grace: killed", what);
			kill(-pid, SIGKILL);	/* its group: what its shell ran */
			r->status = 1;
			while ((got = waitpid(pid, st, 0)) < 0 &&
			    errno == EINTR)
				;
			return got;
		}
		usleep(5000);
	}
}

void
router_wait(struct router *r)
{
	while (r->njobs > 0) {
		struct route_job *j = &r->jobs[0];
		char what[256];
		int st;

		snprintf(what, sizeof what, "command '%.200s'",
		    r->rules[j->rule].target);
		if (wait_until(r, j->pid, &st, what) > 0)
			job_done(r, 0, st);
		else {
			free(j->event);
			r->jobs[0] = r->jobs[--r->njobs];
		}
	}
}

static int
exec_event(struct router *r, size_t rule, const struct record *rec)
{
	struct route_job *j;

	while (r->njobs >= r->max_procs)
		wait_job(r);
	r->jobs = xrealloc(r->jobs, (r->njobs + 1) * sizeof *r->jobs);
	j = &r->jobs[r->njobs];
	j->rule = rule;
	j->event = xmemdup(rec->line, rec->len);
	j->len = rec->len;
	j->attempt = 0;
	if (run_job(r, j) < 0) {
		free(j->event);
		return -1;
	}
	r->njobs++;
	return 1;		/* the outcome comes when it ends */
}

/* Write what h takes now, without waiting; -1 once it is gone. */
static int
pump(struct handler *h)
{
	while (!h->failed && h->sent < h->pending.len) {
		ssize_t w = write(h->fd, h->pending.data + h->sent,
		    h->pending.len - h->sent);

		if (w > 0)
			h->sent += (size_t)w;
		else if (w < 0 && errno == EINTR)
			continue;
		else if (w < 0 && errno == EAGAIN)
			break;
		else
			h->failed = 1;	/* it closed its input, or died */
	}
	if (h->sent == h->pending.len) {
		buf_reset(&h->pending);
		h->sent = 0;
	} else if (h->sent > h->pending.len / 2) {
		memmove(h->pending.data, h->pending.data + h->sent,
		    h->pending.len - h->sent);
		h->pending.len -= h->sent;
		h->sent = 0;
	}
	return h->failed ? -1 : 0;
}

/* Wait until h takes some of what waits for it, at most ms (-1: no
 * limit); SIGINT or SIGTERM end the wait, as they end the input. */
static int
wait_room(struct handler *h, int ms)
{
	struct pollfd pfd = { h->fd, POLLOUT, 0 };
	int n = poll(&pfd, 1, ms);

	if ((n < 0 && errno != EINTR) || (n < 0 && sig_stopped()) || n == 0)
		h->failed = 1;
	return pump(h);
}

static void reaped_handler(struct router *r, pid_t pid, int st);

/*
 * --restart: h ended; run it again, after 100 ms, 200 ms ... up to 5 s,
 * with what it had not been sent.  What was in its pipe when it ended is
 * lost: say how much.
 */
static void
restart_handler(struct router *r, struct handler *h)
{
	char err[256];
	int unread = 0, st = 0;

	if (ioctl(h->fd, FIONREAD, &unread) < 0)
		unread = 0;
	close(h->fd);
	if (!h->reaped)
		while (waitpid(h->pid, &st, 0) < 0 && errno == EINTR)
			;
	h->reaped = 0;
	diag_warn("handler '%s' ended; restarted%s (%d bytes of events it "
	    "had not read were lost)", h->cmd, h->restarts ? " again" : "",
	    unread);
	usleep(100000u << (h->restarts < 5 ? h->restarts : 5));
	h->restarts++;
	r->status = 1;
	if (spawn(h, err, sizeof err) < 0) {
		diag_warn("%s", err);
		return;
	}
	h->failed = 0;
}

/* An event for handler h: 0, 1 when dropped (full), -1 when it is gone. */
static int
to_handler(struct router *r, struct handler *h, const struct record *rec)
{
	if (h->failed && r->restart)
		restart_handler(r, h);
	if (h->failed)
		return -1;
	while (h->pending.len - h->sent + rec->len + 1 > HANDLER_BUFFER) {
		if (pump(h) < 0)
			return -1;
		if (h->pending.len - h->sent + rec->len + 1 <= HANDLER_BUFFER)
			break;
		if (r->drop_when_full)
			return 1;
		if (wait_room(h, -1) < 0)	/* back-pressure: we wait */
			return -1;
	}
	buf_add(&h->pending, rec->line, rec->len);
	buf_addc(&h->pending, '\n');
	if (h->pending.len - h->sent >= 64 * 1024)
		return pump(h);
	return 0;
}

static int
deliver(struct router *r, struct rule *ru, const struct record *rec)
{
	size_t shard = ru->nkeys ? shard_of(r, ru, rec) : 0;
	struct route_file *f;
	struct out *o;

	switch (ru->kind) {
	case DEST_STDOUT:
		o = r->stdout_out;
		break;
	case DEST_EXEC:
		return exec_event(r, (size_t)(ru - r->rules), rec);
	case DEST_FILE:
		/* a name without templates: no lookup while it stays open */
		if (ru->file && r->files[ru->file - 1].open) {
			f = &r->files[ru->file - 1];
			f->used = ++r->clock;
		} else if ((f = file_of(r, file_name(r, ru, rec, shard),
		    ru->append)) == NULL)
			return -1;
		if (ru->nslots == 0 && ru->nkeys == 0)
			ru->file = (size_t)(f - r->files) + 1;
		o = &f->out;
		break;
	default:
		return to_handler(r, &ru->handlers[shard], rec) > 0 ? 2 :
		    ru->handlers[shard].failed ? -1 : 0;
	}
	out_write(o, rec->line, rec->len);
	out_putc(o, '\n');
	return 0;
}

static void
take(struct router *r, struct rule *ru, const struct record *rec)
{
	int rc;

	ru->matched++;
	if ((rc = deliver(r, ru, rec)) == 0)
		ru->delivered++;
	else if (rc == 2)
		ru->dropped++;		/* --drop-when-full */
	else if (rc < 0) {
		ru->lost++;
		r->status = 1;
	}
}

size_t
router_route(struct router *r, const struct record *rec)
{
	size_t i, taken = 0;

	buf_reset(&r->scratch);
	for (i = 0; i < r->nrules && !(r->first && taken); i++) {
		struct rule *ru = &r->rules[i];
		int is_else = ru->pred == NULL && ru->nkeys == 0;

		if (is_else || (ru->pred && !pred_eval(ru->pred, rec,
		    &r->scratch)))
			continue;
		take(r, ru, rec);
		taken++;
	}
	/* else: what no other rule took */
	if (taken == 0)
		for (i = 0; i < r->nrules && !(r->first && taken); i++)
			if (r->rules[i].pred == NULL &&
			    r->rules[i].nkeys == 0) {
				take(r, &r->rules[i], rec);
				taken++;
			}
	if (taken == 0)
		r->unmatched++;
	return taken;
}

void
router_flush(struct router *r)
{
	size_t i, k;

	for (i = 0; i < r->nfiles; i++)
		if (r->files[i].open)
			out_flush(&r->files[i].out);
	for (i = 0; i < r->nrules; i++)
		for (k = 0; r->rules[i].handlers && k < r->rules[i].nshards;
		    k++) {
			struct handler *h = &r->rules[i].handlers[k];

			pump(h);
			if (h->failed && r->restart && h->sent < h->pending.len) {
				restart_handler(r, h);
				pump(h);
			}
		}
}

int
router_release(struct router *r)
{
	size_t i, k;
	int st;

	router_wait(r);
	free(r->jobs);
	buf_release(&r->env);
	for (i = 0; i < r->nfiles; i++) {
		if (r->files[i].open)
			close_file(&r->files[i]);
		free(r->files[i].path);
	}
	free(r->files);
	keytab_release(&r->paths);
	for (i = 0; i < r->nrules; i++) {
		struct rule *ru = &r->rules[i];

		for (k = 0; ru->handlers && k < ru->nshards; k++) {
			struct handler *h = &ru->handlers[k];

			while (!h->failed && h->sent < h->pending.len) {
				int64_t left = grace_end(r) - mono_now().us;

				/* the rest, within the grace */
				wait_room(h, left <= 0 ? 0 : left / 1000 >
				    (1 << 30) ? -1 : (int)(left / 1000) + 1);
			}
			close(h->fd);
			buf_release(&h->pending);
			if (h->reaped)
				st = h->status;
			else {
				char what[256];

				snprintf(what, sizeof what, "handler '%.200s'",
				    h->cmd);
				wait_until(r, h->pid, &st, what);
			}
			if (h->failed || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0) {
				diag_warn("handler '%s' %s", h->cmd,
				    h->failed ? "stopped reading its input" :
				    "failed");
				r->status = 1;
			}
			free(h->cmd);
		}
		free(ru->handlers);
		pred_free(ru->pred);
		free(ru->text);
		free(ru->target);
		free(ru->slots);
		free(ru->keyslots);
		for (k = 0; k < ru->nkeys; k++)
			free(ru->keynames[k]);
		free(ru->keynames);
	}
	free(r->rules);
	buf_release(&r->path);
	buf_release(&r->scratch);
	return r->status;
}

void
router_print(const struct router *r, const char *prog)
{
	size_t i;

	for (i = 0; i < r->nrules; i++)
		fprintf(stderr, "%s: rule %zu '%s': matched=%ju delivered=%ju "
		    "failed=%ju dropped=%ju dead-lettered=%ju\n", prog, i + 1,
		    r->rules[i].text, r->rules[i].matched,
		    r->rules[i].delivered, r->rules[i].lost,
		    r->rules[i].dropped, r->rules[i].dead);
	fprintf(stderr, "%s: unmatched=%ju\n", prog, r->unmatched);
}
