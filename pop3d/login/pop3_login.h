/*
 * pop3_login.h - private header of pop3-login: the POP3 grammar of the
 * AUTHORIZATION state on lib/login (pop3_login.c).
 */
#ifndef POSTERN_POP3_LOGIN_H
#define POSTERN_POP3_LOGIN_H

/* The skeleton's hooks: the parameters, then what is read before the jail. */
void	pop3_login_check(void);
void	pop3_login_pre_jail(void);

#endif
