/*
 * NAME
 *	imap_struct - ENVELOPE, BODY and BODYSTRUCTURE of a parsed message
 *
 * DESCRIPTION
 *	imap_envelope_put writes RFC 9051 7.5.2's envelope from a header
 *	section: Date, Subject, From, Sender, Reply-To, To, Cc, Bcc,
 *	In-Reply-To and Message-ID, the first of each, unfolded and raw
 *	(encoded words are the client's to decode); Sender and Reply-To
 *	default to From when absent or empty; an address field with no
 *	address is NIL; groups are sent as RFC 9051 says (a NIL-host
 *	start holding the group name, an all-NIL end).
 *
 *	imap_bodystructure_put writes a part's body structure: with
 *	extension data for BODYSTRUCTURE (ext 1), without for BODY. A
 *	multipart without children cannot be written in IMAP's grammar;
 *	lib/mime never makes one (it gives such a multipart one text
 *	child). message/global is written with envelope and body only in
 *	IMAP4rev2 (rev2 1), where the grammar has it; rev1 clients see it
 *	as a basic part.
 */
#ifndef POSTERN_IMAP_STRUCT_H
#define POSTERN_IMAP_STRUCT_H

#include <stddef.h>

struct arena;
struct mime_msg;
struct mime_part;
struct vbuf;

int	imap_envelope_put(struct vbuf *, struct arena *, const char *hdr,
	    size_t len);
int	imap_bodystructure_put(struct vbuf *, struct arena *,
	    const struct mime_msg *, const struct mime_part *, int ext,
	    int rev2);

#endif
