/*
 * NAME
 *	resolve - recipient address resolution; the rules are in resolve.h.
 *
 * DESCRIPTION
 *	One walk per envelope recipient: a depth-first expansion through
 *	virtual_alias_maps and alias_maps that keeps the chain of addresses
 *	above the current one (for loop detection), appends final addresses
 *	to the caller's list with their transport, and on a table error or
 *	a limit throws the partial expansion away and defers the recipient
 *	as a whole, so a recipient is either fully expanded or not at all.
 *
 * SECURITY
 *	Addresses are re-parsed with addr_parse_mailbox (they come from
 *	smtpd's queue files and from the admin's tables); every result is
 *	re-formatted with addr_format, so what goes to a delivery agent is
 *	always a well-formed address. Depth and breadth are bounded.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "addr.h"
#include "domain_class.h"
#include "err.h"
#include "log.h"
#include "maps.h"
#include "params.h"
#include "resolve.h"
#include "xmalloc.h"

struct resolve {
	struct maps_list	*virtual_alias;
	struct maps_list	*alias;
	struct maps_list	*transport;
	struct domain_classes	*classes;	/* shared with smtpd's rules */
};

struct resolve_walk {
	struct resolve		*r;
	int			 flags;		/* ADDR_F_SMTPUTF8 */
	size_t			*budget;
	struct resolve_list	*out;
	size_t			 start;		/* out->n on entry */
	char			**path;		/* keys of the ancestors */
	size_t			 depth;
	int			 failed;
	char			 dsn[DSN_STATUS_SIZE];
	char			*why;
};

static void resolve_one(struct resolve_walk *, const char *);

struct resolve *
resolve_open(int flags, char **err_r)
{
	struct resolve *r = xcalloc(1, sizeof(*r));

	if ((r->virtual_alias = maps_list_open(var_virtual_alias_maps, flags,
	    err_r)) == NULL ||
	    (r->alias = maps_list_open(var_alias_maps, flags, err_r)) == NULL ||
	    (r->transport = maps_list_open(var_transport_maps, flags,
	    err_r)) == NULL ||
	    (r->classes = domain_classes_open(flags, err_r)) == NULL) {
		resolve_close(&r);
		return NULL;
	}
	return r;
}

void
resolve_close(struct resolve **rp)
{
	struct resolve *r = *rp;

	if (r == NULL)
		return;
	maps_list_close(&r->virtual_alias);
	maps_list_close(&r->alias);
	maps_list_close(&r->transport);
	domain_classes_close(&r->classes);
	free(r);
	*rp = NULL;
}

void
resolve_list_free(struct resolve_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].addr);
		free(l->v[i].transport);
		free(l->v[i].nexthop);
		free(l->v[i].text);
	}
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static struct resolve_dest *
resolve_append(struct resolve_list *l, const char *addr, int status,
    const char *dsn, const char *text)
{
	struct resolve_dest *d;

	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 4 : l->cap * 2;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	d = &l->v[l->n++];
	memset(d, 0, sizeof(*d));
	d->addr = xstrdup(addr);
	d->status = status;
	strlcpy(d->dsn, dsn, sizeof(d->dsn));
	d->text = text != NULL ? xstrdup(text) : NULL;
	return d;
}

/* Stop the walk: the recipient is deferred as a whole. */
static void
resolve_fail(struct resolve_walk *w, const char *dsn, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
resolve_fail(struct resolve_walk *w, const char *dsn, const char *fmt, ...)
{
	va_list ap;
	char buf[512];

	if (w->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	w->failed = 1;
	strlcpy(w->dsn, dsn, sizeof(w->dsn));
	w->why = xstrdup(buf);
}

/* X.Y.Z with class cls, 1-3 digit numbers (checked again by the agent). */
static int
resolve_code_ok(const char *s, int cls)
{
	size_t n;
	int part;

	if (s[0] != cls || s[1] != '.')
		return 0;
	s += 2;
	for (part = 0; part < 2; part++) {
		n = strspn(s, "0123456789");
		if (n < 1 || n > 3 || s[n] != (part == 0 ? '.' : '\0'))
			return 0;
		s += n + (part == 0);
	}
	return 1;
}

/* Parse "5.1.1 text" into a code of class cls and text; else defaults. */
static void
resolve_code_text(const char *s, int cls, const char *defcode,
    char code[DSN_STATUS_SIZE], const char **text_r)
{
	size_t n = strcspn(s, " ");

	strlcpy(code, defcode, DSN_STATUS_SIZE);
	*text_r = s;
	if (n > 0 && n < DSN_STATUS_SIZE && s[0] == cls) {
		char tmp[DSN_STATUS_SIZE];

		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (resolve_code_ok(tmp, cls)) {
			strlcpy(code, tmp, DSN_STATUS_SIZE);
			*text_r = s + n + strspn(s + n, " ");
		}
	}
	if (**text_r == '\0')
		*text_r = cls == '5' ? "delivery refused by the transport "
		    "table" : "delivery deferred by the transport table";
}

/* Set transport and nexthop from "transport:nexthop" (either may be ""). */
static void
resolve_split_tn(const char *value, char **t_r, char **nh_r)
{
	const char *colon = strchr(value, ':');

	if (colon == NULL) {
		*t_r = xstrdup(value);
		*nh_r = xstrdup("");
	} else {
		*t_r = xstrndup(value, (size_t)(colon - value));
		*nh_r = xstrdup(colon + 1);
	}
}

/* transport_maps: 1 found (*value_r), 0 not, -1 error. */
static int
resolve_transport_lookup(struct resolve_walk *w, const struct addr *a,
    const char *key, const char **value_r, char **err_r)
{
	char ukey[ADDR_TEXT_MAX], pkey[ADDR_DOMAIN_MAX + 2];
	const char *ext, *d;
	size_t userlen;
	int r;

	if (maps_list_count(w->r->transport) == 0)
		return 0;
	if ((r = maps_list_lookup(w->r->transport, key, value_r, err_r)) != 0)
		return r;
	if (addr_split_ext(a->local, var_recipient_delimiter, &userlen,
	    &ext) == 1 && addr_key_parts(a->local, userlen, a->domain, ukey,
	    sizeof(ukey)) == 0 &&
	    (r = maps_list_lookup(w->r->transport, ukey, value_r, err_r)) != 0)
		return r;
	if ((r = maps_list_lookup(w->r->transport, a->domain, value_r,
	    err_r)) != 0)
		return r;
	for (d = strchr(a->domain, '.'); d != NULL; d = strchr(d + 1, '.')) {
		snprintf(pkey, sizeof(pkey), "%s", d);
		if ((r = maps_list_lookup(w->r->transport, pkey, value_r,
		    err_r)) != 0)
			return r;
	}
	return maps_list_lookup(w->r->transport, "*", value_r, err_r);
}

/* The address is final: pick its transport and append it. */
static void
resolve_final(struct resolve_walk *w, const struct addr *a, const char *key)
{
	char text[ADDR_TEXT_MAX], code[DSN_STATUS_SIZE];
	const char *value, *msg, *deft;
	char *t = NULL, *nh = NULL, *err = NULL;
	struct resolve_dest *d;
	size_t i;
	int r, local;

	if (addr_format(a, text, sizeof(text)) < 0)
		log_panic("resolve: address does not fit");
	for (i = w->start; i < w->out->n; i++)
		if (strcasecmp(w->out->v[i].addr, text) == 0)
			return;		/* already there: once is enough */
	if (*w->budget == 0) {
		resolve_fail(w, "4.3.0", "virtual alias expansion limit "
		    "exceeded (virtual_alias_expansion_limit)");
		return;
	}
	/* which class of domain (lib/domain_class): decides the defaults */
	if ((r = domain_class(w->r->classes, a->domain, &err)) < 0) {
		resolve_fail(w, "4.3.0", "%s", err);
		err_free(&err);
		return;
	}
	local = r == DOMAIN_LOCAL || r == DOMAIN_VMAILBOX;
	deft = r == DOMAIN_LOCAL ? var_local_transport :
	    r == DOMAIN_VMAILBOX ? var_virtual_transport :
	    r == DOMAIN_RELAY ? var_relay_transport : var_default_transport;
	if ((r = resolve_transport_lookup(w, a, key, &value, &err)) < 0) {
		resolve_fail(w, "4.3.0", "%s", err);
		err_free(&err);
		return;
	}
	if (r == 1) {
		resolve_split_tn(value, &t, &nh);
		if (strcmp(t, "error") == 0 || strcmp(t, "retry") == 0) {
			int cls = t[0] == 'e' ? '5' : '4';

			resolve_code_text(nh, cls, cls == '5' ? "5.0.0" :
			    "4.0.0", code, &msg);
			resolve_append(w->out, text, cls == '5' ?
			    RESOLVE_BOUNCE : RESOLVE_DEFER, code, msg);
			(*w->budget)--;
			free(t);
			free(nh);
			return;
		}
	}
	if (t == NULL || *t == '\0' || nh == NULL || *nh == '\0') {
		char *dt, *dnh;

		resolve_split_tn(deft, &dt, &dnh);
		if (*dnh == '\0' && !local) {
			free(dnh);
			dnh = xstrdup(*var_relayhost != '\0' ? var_relayhost :
			    a->domain);
		}
		if (t == NULL || *t == '\0') {
			free(t);
			t = dt;
		} else
			free(dt);
		if (nh == NULL || *nh == '\0') {
			free(nh);
			nh = dnh;
		} else
			free(dnh);
	}
	d = resolve_append(w->out, text, RESOLVE_OK, "2.0.0", NULL);
	d->transport = t;
	d->nexthop = nh;
	(*w->budget)--;
}

/* Is key one of the addresses above the current one? */
static int
resolve_on_path(const struct resolve_walk *w, const char *key)
{
	size_t i;

	for (i = 0; i < w->depth; i++)
		if (strcmp(w->path[i], key) == 0)
			return 1;
	return 0;
}

/*
 * Expand a table value for address a (whose key is key). keep_local:
 * an "@domain" item keeps a's local part. ext/delim: an extension the
 * lookup key did not include, carried over to each result. bare_domain:
 * what an item without @ gets (NULL: such an item is an error).
 */
static void
resolve_expand(struct resolve_walk *w, const struct addr *a, const char *key,
    const char *value, const char *ext, char delim, const char *bare_domain)
{
	char **items = params_list(value), buf[ADDR_TEXT_MAX * 2];
	struct addr b;
	enum addr_err e;
	size_t i;
	char *item;

	w->path = xreallocarray(w->path, w->depth + 1, sizeof(char *));
	w->path[w->depth++] = xstrdup(key);
	for (i = 0; items[i] != NULL && !w->failed; i++) {
		item = items[i];
		if (item[0] == '|' || item[0] == '/' ||
		    strncasecmp(item, ":include:", 9) == 0) {
			log_warn("alias %s: unsupported destination \"%s\" "
			    "(Postern delivers to mailboxes only)", key, item);
			resolve_append(w->out, key, RESOLVE_DEFER, "4.3.5",
			    "alias to a command, file or :include: is not "
			    "supported");
			continue;
		}
		if (item[0] == '@')
			snprintf(buf, sizeof(buf), "%s%s", a->local, item);
		else if (strchr(item, '@') == NULL && bare_domain != NULL)
			snprintf(buf, sizeof(buf), "%s@%s", item, bare_domain);
		else
			strlcpy(buf, item, sizeof(buf));
		if (addr_parse_mailbox(buf, w->flags, &b, &e) < 0) {
			log_warn("alias %s: bad address \"%s\": %s", key, item,
			    addr_strerror(e));
			resolve_fail(w, "4.3.5", "bad address \"%s\" in an "
			    "alias table: %s", item, addr_strerror(e));
			break;
		}
		if (ext != NULL && strlen(b.local) + 1 + strlen(ext) <=
		    ADDR_LOCAL_MAX) {
			size_t l = strlen(b.local);

			b.local[l] = delim;
			strlcpy(b.local + l + 1, ext, sizeof(b.local) - l - 1);
		}
		if (addr_format(&b, buf, sizeof(buf)) < 0)
			log_panic("resolve: address does not fit");
		resolve_one(w, buf);
	}
	free(w->path[--w->depth]);
	params_list_free(items);
}

/* virtual_alias_maps for a: 1 expanded, 0 no entry, -1 failed. */
static int
resolve_virtual(struct resolve_walk *w, const struct addr *a, const char *key)
{
	char ukey[ADDR_TEXT_MAX], dkey[ADDR_DOMAIN_MAX + 2];
	const char *value, *ext = NULL;
	char *copy, *err = NULL;
	size_t userlen;
	int r, split;

	if (maps_list_count(w->r->virtual_alias) == 0)
		return 0;
	split = addr_split_ext(a->local, var_recipient_delimiter, &userlen,
	    &ext) == 1;
	r = maps_list_lookup(w->r->virtual_alias, key, &value, &err);
	if (r == 0 && split) {
		if (addr_key_parts(a->local, userlen, a->domain, ukey,
		    sizeof(ukey)) < 0)
			log_panic("resolve: key does not fit");
		r = maps_list_lookup(w->r->virtual_alias, ukey, &value, &err);
	} else
		split = 0;
	if (r == 0 && a->domain[0] != '\0') {
		split = 0;
		snprintf(dkey, sizeof(dkey), "@%s", a->domain);
		r = maps_list_lookup(w->r->virtual_alias, dkey, &value, &err);
	}
	if (r < 0) {
		resolve_fail(w, "4.3.0", "%s", err);
		err_free(&err);
		return -1;
	}
	if (r == 0)
		return 0;
	copy = xstrdup(value);	/* the next lookup reuses value's storage */
	resolve_expand(w, a, key, copy, split ? ext : NULL,
	    split ? a->local[userlen] : '+', NULL);
	free(copy);
	return 1;
}

/* alias_maps for a in a mydestination domain: 1, 0 or -1 as above. */
static int
resolve_alias(struct resolve_walk *w, const struct addr *a, const char *key)
{
	char lkey[ADDR_TEXT_MAX], buf[ADDR_TEXT_MAX];
	const char *value = NULL, *ext = NULL;
	char *copy, *err = NULL;
	size_t userlen;
	int r = 0, split;

	strlcpy(lkey, a->local, sizeof(lkey));
	addr_lower(lkey);
	split = addr_split_ext(lkey, var_recipient_delimiter, &userlen,
	    &ext) == 1;
	if (maps_list_count(w->r->alias) > 0) {
		r = maps_list_lookup(w->r->alias, lkey, &value, &err);
		if (r == 0 && split) {
			lkey[userlen] = '\0';
			r = maps_list_lookup(w->r->alias, lkey, &value, &err);
		} else
			split = 0;
		if (r < 0) {
			resolve_fail(w, "4.3.0", "%s", err);
			err_free(&err);
			return -1;
		}
	}
	if (r == 1) {
		copy = xstrdup(value);
		resolve_expand(w, a, key, copy, split ? ext : NULL,
		    split ? a->local[userlen] : '+', var_myorigin);
		free(copy);
		return 1;
	}
	/* root and postmaster always go somewhere (resolve.h) */
	if (split)
		lkey[userlen] = '\0';
	if (strcmp(lkey, "root") == 0)
		snprintf(buf, sizeof(buf), "postmaster@%s", a->domain);
	else if (strcmp(lkey, "postmaster") == 0 &&
	    strcasecmp(a->domain, var_mydomain) != 0) {
		if ((r = domain_class_has(w->r->classes, DOMAIN_LOCAL,
		    var_mydomain, &err)) < 0) {
			resolve_fail(w, "4.3.0", "%s", err);
			err_free(&err);
			return -1;
		}
		if (r == 1)
			return 0;
		snprintf(buf, sizeof(buf), "postmaster@%s", var_mydomain);
	} else
		return 0;
	resolve_expand(w, a, key, buf, NULL, '+', NULL);
	return 1;
}

static void
resolve_one(struct resolve_walk *w, const char *text)
{
	char key[ADDR_TEXT_MAX], buf[ADDR_TEXT_MAX + ADDR_DOMAIN_MAX + 2];
	char *err = NULL;
	struct addr a;
	enum addr_err e;
	int r;

	if (w->failed)
		return;
	if (strchr(text, '@') == NULL) {
		snprintf(buf, sizeof(buf), "%s@%s", text, var_myhostname);
		text = buf;
	}
	if (addr_parse_mailbox(text, w->flags, &a, &e) < 0) {
		resolve_append(w->out, text, RESOLVE_BOUNCE, "5.1.3",
		    addr_strerror(e));
		return;
	}
	if (addr_key(&a, key, sizeof(key)) < 0)
		log_panic("resolve: key does not fit");
	if (w->depth > 0 && strcmp(w->path[w->depth - 1], key) == 0) {
		resolve_final(w, &a, key);	/* maps to itself: stop */
		return;
	}
	if (resolve_on_path(w, key)) {
		log_warn("alias loop: %s expands to itself through %s; "
		    "delivering to %s", key, w->path[w->depth - 1], key);
		resolve_final(w, &a, key);
		return;
	}
	if (w->depth >= (size_t)var_virtual_alias_recursion_limit) {
		resolve_fail(w, "4.3.0", "virtual alias recursion limit "
		    "exceeded (virtual_alias_recursion_limit)");
		return;
	}
	if ((r = resolve_virtual(w, &a, key)) != 0)
		return;
	if ((r = domain_class(w->r->classes, a.domain, &err)) < 0) {
		resolve_fail(w, "4.3.0", "%s", err);
		err_free(&err);
		return;
	}
	if (r == DOMAIN_VALIAS) {
		resolve_append(w->out, text, RESOLVE_BOUNCE, "5.1.1",
		    "User unknown in virtual alias table");
		return;
	}
	if (r == DOMAIN_LOCAL && resolve_alias(w, &a, key) != 0)
		return;
	resolve_final(w, &a, key);
}

size_t
resolve_rcpt(struct resolve *r, const char *addr, int smtputf8,
    size_t *budget, struct resolve_list *out)
{
	struct resolve_walk w;
	size_t saved = *budget, i;

	memset(&w, 0, sizeof(w));
	w.r = r;
	w.flags = smtputf8 ? ADDR_F_SMTPUTF8 : 0;
	w.budget = budget;
	w.out = out;
	w.start = out->n;
	resolve_one(&w, addr);
	while (w.depth > 0)
		free(w.path[--w.depth]);
	free(w.path);
	if (w.failed) {
		for (i = w.start; i < out->n; i++) {
			free(out->v[i].addr);
			free(out->v[i].transport);
			free(out->v[i].nexthop);
			free(out->v[i].text);
		}
		out->n = w.start;
		*budget = saved;
		resolve_append(out, addr, RESOLVE_DEFER, w.dsn, w.why);
		free(w.why);
	}
	return out->n - w.start;
}
