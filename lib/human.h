/*
 * human.h - figures for people, as --stats prints them: a count, a size
 * or a duration in three significant digits and a unit ("12.3k",
 * "333 MB", "45.2 ms").  Each writes into the caller's s, of HUMAN_MAX
 * bytes, and returns it; nothing is kept.
 */
#ifndef HUMAN_H
#define HUMAN_H

#define HUMAN_MAX 32

/* 950, 1.23k, 12.3k, 1.23M ... (powers of 1000, up to P); 0.25. */
char *human_count(double n, char *s);
/* "45 B", "1.23 kB", "333 MB" ... (powers of 1000, up to PB). */
char *human_bytes(double n, char *s);
/* "850 us", "45.2 ms", "1.23 s", "2.5 min", "3.1 h", "2.07 d",
 * "20779 d"; negative with a minus. */
char *human_seconds(double secs, char *s);

#endif
