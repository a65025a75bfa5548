/*
 * err - how a function tells its caller why it failed: the one error
 * convention (STYLE 2.4).
 *
 * DESCRIPTION
 *	A function that can fail for a reason worth telling takes
 *	`char **err_r` as its last parameter. On failure it returns -1 (or
 *	NULL) and sets *err_r to a new text, which the caller owns and
 *	frees (free, or err_free); on success it leaves *err_r alone. The
 *	text reads as the end of a log line: what failed and why, in
 *	lower case, without a newline or a final period
 *	("private/auth: timed out waiting for a record"). A caller that
 *	knows more context adds it in front (err_wrap) before passing the
 *	error on. err_r may be NULL when the caller does not want the
 *	reason.
 *
 *	A parser whose every reason is a fixed phrase ("bad size suffix")
 *	may take `const char **err_r` instead: *err_r then points to a
 *	string literal, never freed. The type says which: `char **` is the
 *	caller's to free, `const char **` is not.
 *
 *	Nothing else carries reasons: no static buffer that the next call
 *	overwrites, no `err` member that an object keeps for an accessor
 *	to read later. (Two designed exceptions: a lib/ipc record keeps the
 *	first getter error so that getters chain, and an ipc channel keeps
 *	the error of its last send or receive, as errno does.)
 *
 *	    char *err = NULL;
 *
 *	    if (maps_open(spec, 0, &t, &err) < 0) {
 *		log_error("%s", err);
 *		err_free(&err);
 *	    }
 */
#ifndef POSTERN_ERR_H
#define POSTERN_ERR_H

/*
 * Set *err_r (when err_r is not NULL) to the formatted text (%m is the
 * errno of the call) and return -1, so a failing path can end with
 * `return err_set(err_r, ...)`. *err_r must not hold a text already.
 */
int	err_set(char **err_r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/*
 * Put the formatted context and ": " in front of the text in *err_r
 * (set by a call that failed); returns -1. A no-op when err_r is NULL.
 */
int	err_wrap(char **err_r, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Free a text and set *errp to NULL. NULL and *errp NULL are fine. */
void	err_free(char **errp);

#endif
