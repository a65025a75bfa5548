/*
 * ctl.h - private header of the postern admin command.
 */
#ifndef POSTERN_CTL_H
#define POSTERN_CTL_H

#define EX_USAGE_CTL	64	/* sysexits EX_USAGE */

/* -c confdir from the command line, or NULL for the default. */
extern const char *ctl_confdir;

/* ctl_map.c */
int	ctl_map(int, char **);

#endif
