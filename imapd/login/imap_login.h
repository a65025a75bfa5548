/*
 * imap_login.h - the IMAP grammar of the login side (imap-login); see
 * imap_login.c and imapd(8).
 */
#ifndef POSTERN_IMAP_LOGIN_H
#define POSTERN_IMAP_LOGIN_H

/* The skeleton's check hook: the IMAP login parameters. */
void	imap_login_check(void);
/* Before the jail: TLS keys, the dialer, the tokenizer. */
void	imap_login_pre_jail(void);

#endif
