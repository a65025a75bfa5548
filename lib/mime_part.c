/*
 * mime_part - finding parts and parameters in a parsed message; see
 * mime.h.
 */
#include "config.h"

#include <strings.h>

#include "mime.h"

struct mime_part *
mime_part_message(const struct mime_part *p)
{
	return (p->flags & MIME_PART_MESSAGE) ? p->children : NULL;
}

int
mime_part_is(const struct mime_part *p, const char *type,
    const char *subtype)
{
	return strcasecmp(p->type, type) == 0 &&
	    (subtype == NULL || strcasecmp(p->subtype, subtype) == 0);
}

/*
 * RFC 9051 6.4.5: a number picks a multipart's child; a message that
 * is not a multipart has only a part 1, its body (the root, or the
 * message a message/rfc822 part carries, which that part stands for
 * when a further number comes).
 */
struct mime_part *
mime_section(const struct mime_msg *m, const unsigned *nums, unsigned n)
{
	struct mime_part *cur = m->root, *c;
	unsigned i, k;
	int is_msg = 1;

	for (i = 0; i < n; i++) {
		if (i > 0) {
			is_msg = (cur->flags & MIME_PART_MESSAGE) != 0;
			if (is_msg)
				cur = cur->children;
		}
		if (cur->flags & MIME_PART_MULTIPART) {
			if (nums[i] == 0 || nums[i] > cur->nchildren)
				return NULL;
			for (c = cur->children, k = 1; k < nums[i]; k++)
				c = c->next;
			cur = c;
		} else if (!is_msg || nums[i] != 1)
			return NULL;
	}
	return cur;
}

const char *
mime_param_get(const struct mime_param *params, unsigned n,
    const char *name)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strcasecmp(params[i].name, name) == 0)
			return params[i].value;
	return NULL;
}
