/*
 * hdr - a streaming scanner of the RFC 5322 header section.
 *
 * DESCRIPTION
 *	Fed message content in any split, it calls back once per complete
 *	header field (name, and the raw value with its folding kept) until
 *	the empty line that ends the header section, or the first line that
 *	is not a header field (then the rest is body, as RFC 5322 readers
 *	do). smtpd uses it to count Received: fields (hopcount_limit) and to
 *	see whether Date: and Message-ID: are present; local delivery to
 *	find Delivered-To: loops; bounces to copy the headers.
 *
 * SECURITY
 *	The content is the network's. A field longer than the scanner's
 *	limit is reported to the callback truncated, with a flag, rather than
 *	buffered without bound.
 */
#ifndef POSTERN_HDR_H
#define POSTERN_HDR_H

#include <stddef.h>

#include "vbuf.h"

#define HDR_FIELD_MAX	(64 * 1024)

/*
 * name is NUL-terminated; value is the text after the colon (leading
 * white space removed; folded lines joined keeping their CRLF), valuelen
 * its length; truncated is set when the field passed HDR_FIELD_MAX.
 * Return 0 to go on, -1 to stop scanning.
 */
typedef int (*hdr_field_fn)(void *arg, const char *name, const char *value,
    size_t valuelen, int truncated);

struct hdr_scan {
	hdr_field_fn	 fn;
	void		*arg;
	struct vbuf	*field;
	int		 state;
	int		 done;		/* header section finished */
	int		 truncated;
	size_t		 header_size;	/* bytes of the header section */
};

void	hdr_scan_init(struct hdr_scan *, hdr_field_fn, void *arg);
/* Feed content; returns 0, or -1 when the callback stopped the scan. */
int	hdr_scan_feed(struct hdr_scan *, const char *, size_t);
/* End of content: delivers a last field not followed by a line end. */
int	hdr_scan_finish(struct hdr_scan *);
void	hdr_scan_free(struct hdr_scan *);

/* Case-insensitive field-name comparison. */
int	hdr_name_is(const char *name, const char *want);

#endif
