/*
 * maps - lookup tables named "type:path": hash:, texthash:, inline:.
 *
 * DESCRIPTION
 *	A table is opened by its name as written in main.cf:
 *
 *	hash:/etc/postern/aliases
 *		A Berkeley DB 5.3 DB_HASH file, /etc/postern/aliases.db,
 *		compiled from the text file /etc/postern/aliases by
 *		`postern map` (maps_compile). It is opened read-only. Before
 *		each lookup the .db is examined (stat): when it has been
 *		replaced (another inode, size or mtime, as after `postern map`
 *		renames a new one in) it is reopened transparently. When the
 *		path cannot be examined (removed, or outside a chroot) the
 *		table already open stays in use.
 *	texthash:/etc/postern/aliases
 *		The same text file, read into memory when the table is opened
 *		(not re-read when it changes: an editor's half-written file
 *		must never turn into "user unknown").
 *	inline:{ key=value, { key = text with spaces } }
 *		A table written in place. Items are separated by commas
 *		and/or white space; an item is either key=value without
 *		white space, or a braced { key = value } in which both sides
 *		are trimmed and the value may hold spaces and commas.
 *
 *	Text table format (texthash: and the source of hash:): one entry
 *	per logical line (cfline.h: '#' comments, blank lines skipped, a
 *	line that starts with white space continues the previous one).
 *	The key is the first white-space-delimited token, the value the
 *	rest of the line, trimmed. A key without a value is a syntax error
 *	naming file:line; a duplicate key is a warning naming file:line and
 *	the first entry wins (as postmap does).
 *
 *	Case folding: keys are case-insensitive, as Postfix folds hash
 *	tables by default. Keys are stored in lower case (the compiler and
 *	the texthash and inline readers fold them) and each lookup key is
 *	folded before the search. Only the ASCII letters A-Z fold; other
 *	bytes (UTF-8) are compared as they are. Values keep their case.
 *
 *	Three answers: every lookup returns 1 (found), 0 (not found) or -1
 *	(error). An error is a temporary failure: the table is missing,
 *	unreadable, corrupt, never compiled, or older than its source
 *	(DESIGN: "a table never compiled, or older than its source, is a
 *	clear error"). A caller must never treat -1 as "not found": defer
 *	the mail (4xx), never bounce it.
 *
 *	On disk, hash: entries hold the key and value each followed by a
 *	NUL byte, as Postfix writes them; lookups also find keys stored
 *	without one (sendmail's makemap), so tables move both ways. Pages
 *	carry checksums (DB_CHKSUM) so that a damaged page reads as an
 *	error rather than as a missing key.
 *
 * SECURITY
 *	A .db file may be corrupt (a crash of some other tool, a bad copy,
 *	a full disk): its header is checked against the file size (a
 *	truncated file is an error, not a table with fewer keys), every
 *	Berkeley DB error is an error, and a value with an embedded NUL is
 *	rejected. Berkeley DB is not hardened against a deliberately
 *	crafted file, so tables must be writable only by the admin. Text
 *	tables are parsed with bounded lines (an over-long line or an
 *	embedded NUL is an error naming file:line, never truncation).
 */
#ifndef POSTERN_MAPS_H
#define POSTERN_MAPS_H

#include <stddef.h>

struct maps_table;
struct maps_list;

/*
 * Open flags.
 * MAPS_OPEN_DEFER: when the table cannot be opened now (missing,
 *	unreadable, corrupt, never compiled, stale), still return a handle;
 *	each lookup retries the open and answers -1 with the reason until
 *	it succeeds. A server opens its tables with this flag before the
 *	jail so that a broken table defers mail instead of killing the
 *	process. A malformed name (unknown type, bad inline syntax) still
 *	fails at once.
 */
#define MAPS_OPEN_DEFER		0x01

/*
 * Open the table named spec ("type:path"). Returns the table, or NULL
 * with *err_r (lib/err.h: the caller frees it) naming the table.
 */
struct maps_table *maps_open(const char *spec, int flags, char **err_r);
/*
 * Look key up (folded to lower case first). Returns 1 with *value_r
 * set (valid until the next lookup in this table or its close), 0 when
 * the key is not in the table, -1 on error with *err_r naming the table
 * and the reason (the caller frees it).
 */
int	maps_lookup(struct maps_table *, const char *key, const char **value_r,
	    char **err_r);
/* The name the table was opened with, e.g. "hash:/etc/postern/aliases". */
const char *maps_name(const struct maps_table *);
/* Close the table and set *tp to NULL. NULL is fine. */
void	maps_close(struct maps_table **tp);

/*
 * Open a list of tables searched in order, as in main.cf:
 * "hash:/a, texthash:/b inline:{x=y}" (separated by commas and/or white
 * space; commas inside inline braces do not separate). An empty list is
 * valid and finds nothing. NULL with *err_r (as maps_open) when any
 * table fails to open.
 */
struct maps_list *maps_list_open(const char *specs, int flags,
	    char **err_r);
/*
 * Search the tables in order: the first 1 wins. An error in a table
 * ends the search with -1, even if a later table has the key: its
 * answer cannot be trusted to be the right one. 0 when no table has it.
 * Lifetimes of *value_r and *err_r as for maps_lookup.
 */
int	maps_list_lookup(struct maps_list *, const char *key,
	    const char **value_r, char **err_r);
/* Number of tables in the list. */
size_t	maps_list_count(const struct maps_list *);
/* Close every table and the list; set *lp to NULL. NULL is fine. */
void	maps_list_close(struct maps_list **lp);

/*
 * Has any open table's file been replaced or changed in a way this
 * process cannot follow (a hash: table behind a chroot, a texthash:
 * table, which is read once)? Its lookups then still find what the old
 * copy has, but "not found" becomes a temporary error ("table changed
 * ... try again"), and the process should be replaced: the service skeleton checks this between clients
 * and exits, so the master starts a fresh process that opens the new
 * file before its jail. Returns 1 when so (logged once per table).
 */
int	maps_changed(void);

/*
 * What `postern map type:path` does. For hash: compile the text file
 * path into path.db atomically: a temporary file in the same directory,
 * DB sync, fsync, rename over path.db, fsync of the directory; the .db
 * gets the source's permission bits (and, when run as root, its owner
 * and group). On any error path.db is left as it was. For texthash:
 * and inline: only check the syntax; nothing is written. Duplicate keys
 * are logged as warnings. Returns 0, or -1 with *err_r (the caller
 * frees it) naming file:line where there is one.
 */
int	maps_compile(const char *spec, char **err_r);

/*
 * What newaliases (and sendmail -bi) do for each table of
 * alias_database: maps_compile with the source in aliases(5) format,
 * as Postfix's postalias reads it: "name: value", the name ending at
 * the first colon (white space before the colon allowed, none inside
 * the name), the value the rest of the logical line (continuation
 * lines and comments as above). A line without a colon, or with an
 * empty name or value, is a syntax error naming file:line. The .db is
 * the same Berkeley DB file as maps_compile writes, so alias_maps reads
 * it as any hash: table (and so does Postfix). A texthash: or inline:
 * alias table is read in the table format at run time, as Postfix
 * reads them; newaliases checks texthash: sources in that format too.
 */
int	maps_compile_aliases(const char *spec, char **err_r);

#endif
