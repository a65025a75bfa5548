/*
 * maps_int - private interface between lib/maps.c and the table types.
 *
 * DESCRIPTION
 *	Each table type is a struct maps_ops in its own file (maps_hash.c,
 *	maps_text.c, maps_inline.c), registered in maps.c. maps.c parses the
 *	"type:name" spec, folds lookup keys and handles MAPS_OPEN_DEFER; a
 *	type sees only the name and folded keys. struct maps_text is the
 *	in-memory table shared by texthash:, inline: and the hash compiler.
 *	Not for use outside lib/ (tests excepted).
 */
#ifndef POSTERN_MAPS_INT_H
#define POSTERN_MAPS_INT_H

#include <sys/stat.h>

#include <stdio.h>

#include "htable.h"
#include "maps.h"
#include "vbuf.h"

/* Result of an ops->open that failed. */
#define MAPS_OPEN_TEMP	(-1)	/* the table may become usable later */
#define MAPS_OPEN_BAD	(-2)	/* the name itself is wrong: never usable */

/* Compile flags: the source is in aliases(5) format (maps.h). */
#define MAPS_COMPILE_ALIASES	0x01

struct maps_ops {
	const char *type;
	/*
	 * Open t->name: 0, or MAPS_OPEN_TEMP / MAPS_OPEN_BAD with *err_r
	 * (the reason; maps.c puts the table's name in front). May be
	 * called again after MAPS_OPEN_TEMP (deferred open).
	 */
	int	(*open)(struct maps_table *t, char **err_r);
	/* Look up a folded key: 1 (*value_r), 0, or -1 with *err_r. */
	int	(*lookup)(struct maps_table *t, const char *key,
		    const char **value_r, char **err_r);
	/* Release whatever open left in t->priv (also after a failure). */
	void	(*close)(struct maps_table *t);
	/*
	 * `postern map` and newaliases: build or check the table, its
	 * source in the format flags say (MAPS_COMPILE_*); 0 or -1 with
	 * *err_r.
	 */
	int	(*compile)(const char *name, int flags, char **err_r);
	/*
	 * The file that holds the table is name + watch_suffix (NULL: no
	 * file). reopens: the type notices a replaced file by its path and
	 * reopens it by itself, where the path can be seen.
	 */
	const char *watch_suffix;
	int	 reopens;
};

struct maps_table {
	const struct maps_ops *ops;
	char	*spec;		/* as given: "hash:/etc/postern/aliases" */
	const char *name;	/* within spec, after "type:" */
	int	 flags;		/* MAPS_OPEN_* */
	int	 ready;		/* ops->open succeeded */
	struct vbuf *key;	/* the folded lookup key */
	void	*priv;		/* the type's state */
	/* the file as it was opened, to notice a replacement (maps.c) */
	int	 watch_fd;	/* -1: none */
	struct stat watch_st;
	int	 stale;		/* changed, and this process cannot reload it */
	struct maps_table *next, *prev;	/* every open table */
};

extern const struct maps_ops maps_hash_ops;
extern const struct maps_ops maps_texthash_ops;
extern const struct maps_ops maps_inline_ops;

/* Fold ASCII A-Z to lower case in place. */
void	maps_fold(char *);

/*
 * struct maps_text: entries in insertion order plus a hash index
 * (lib/htable). Keys are stored as given (callers fold them first).
 */
struct maps_text_entry {
	char	*key;
	char	*value;
	int	 line;		/* where it was defined (0 if no file) */
	struct htable_node node;
};

struct maps_text {
	struct maps_text_entry **ent;	/* in insertion order */
	size_t	 n, cap;
	struct htable index;
};

struct maps_text *maps_text_new(void);
/*
 * Add a copy of key and value. 0 when added; 1 when the key is already
 * there (nothing added, *first_line_r set to the line of the entry that
 * stays).
 */
int	maps_text_add(struct maps_text *, const char *key, const char *value,
	    int line, int *first_line_r);
/* The value for key, or NULL. */
const char *maps_text_get(const struct maps_text *, const char *key);
void	maps_text_free(struct maps_text **);
/* Table ops for tables whose priv is a struct maps_text. */
int	maps_text_lookup(struct maps_table *, const char *key,
	    const char **value_r, char **err_r);
void	maps_text_close(struct maps_table *);
/*
 * Read a text table (format in maps.h; with MAPS_COMPILE_ALIASES in
 * flags, aliases(5) format) from fp, named name in messages, folding
 * keys. Duplicates are logged as warnings. 0 with *tab_r set, or -1
 * with *err_r naming name:line.
 */
int	maps_text_read(FILE *fp, const char *name, int flags,
	    struct maps_text **tab_r, char **err_r);
/* maps_text_read of the file at path; an open failure names the path. */
int	maps_text_load(const char *path, int flags, struct maps_text **tab_r,
	    char **err_r);
/* Parse the name of an inline: table ("{ k=v, ... }"); as above. */
int	maps_inline_parse(const char *name, struct maps_text **tab_r,
	    char **err_r);

#endif
