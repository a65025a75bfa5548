/*
 * NAME
 *	tls_conf - TLS settings from the main.cf parameters.
 *
 * DESCRIPTION
 *	A program names its parameter prefix ("smtpd", "smtp"; later
 *	"pop3d", "imapd") and gets a conf filled from PREFIX_tls_*, plus
 *	the shared tls_* parameters. Cipher parameters hold a grade, as in
 *	Postfix: "high" means tls_high_cipherlist, "medium" means
 *	tls_medium_cipherlist; the lower grades (low, export, null) are
 *	refused. The mandatory_ variants apply where TLS is required.
 *
 * SECURITY
 *	The values come from main.cf and master.cf, written by the admin.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "params.h"
#include "tls.h"

static const char *const tls_level_names[] = {
	[TLS_LEV_NONE] = "none",
	[TLS_LEV_MAY] = "may",
	[TLS_LEV_ENCRYPT] = "encrypt",
	[TLS_LEV_VERIFY] = "verify",
	[TLS_LEV_SECURE] = "secure",
};

int
tls_level_parse(const char *s, enum tls_level *lev_r)
{
	size_t i;

	for (i = 0; i < sizeof(tls_level_names) / sizeof(tls_level_names[0]);
	    i++)
		if (strcasecmp(s, tls_level_names[i]) == 0) {
			*lev_r = (enum tls_level)i;
			return 0;
		}
	return -1;
}

const char *
tls_level_name(enum tls_level lev)
{
	if ((size_t)lev >= sizeof(tls_level_names) / sizeof(tls_level_names[0]))
		return "?";
	return tls_level_names[lev];
}

/* The parameter PREFIX_tls_SUFFIX; NULL when there is none. */
static const struct param_info *
tls_conf_find(const char *prefix, const char *suffix)
{
	char name[128];

	snprintf(name, sizeof(name), "%s_tls_%s", prefix, suffix);
	return params_find(name);
}

static const char *
tls_conf_str(const char *prefix, const char *suffix)
{
	const struct param_info *p = tls_conf_find(prefix, suffix);
	const char *v;

	if (p == NULL)
		return NULL;
	v = params_get(p->name);
	return v != NULL ? v : "";
}

static long long
tls_conf_num(const char *prefix, const char *suffix, long long def)
{
	const struct param_info *p = tls_conf_find(prefix, suffix);

	if (p == NULL || p->var == NULL)
		return def;
	switch (p->type) {
	case PARAM_TYPE_INT:
	case PARAM_TYPE_TIME:
	case PARAM_TYPE_SIZE:
		return *(long long *)p->var;
	case PARAM_TYPE_BOOL:
		return *(int *)p->var;
	default:
		return def;
	}
}

/* A cipher grade to its OpenSSL list; NULL if not allowed. */
static const char *
tls_conf_grade(const char *grade)
{
	if (strcasecmp(grade, "high") == 0)
		return var_tls_high_cipherlist;
	if (strcasecmp(grade, "medium") == 0)
		return var_tls_medium_cipherlist;
	return NULL;
}

static int
tls_conf_ciphers(const char *prefix, int mandatory, const char **list_r,
    char **err_r)
{
	const char *suffix = mandatory ? "mandatory_ciphers" : "ciphers";
	const char *grade = tls_conf_str(prefix, suffix);

	if (grade == NULL || *grade == '\0')
		grade = "high";
	if ((*list_r = tls_conf_grade(grade)) == NULL)
		return err_set(err_r, "%s_tls_%s = %s: not a cipher grade "
		    "Postern allows (high or medium)", prefix, suffix, grade);
	return 0;
}

static const char *
tls_conf_protocols(const char *prefix, int mandatory)
{
	const char *v = tls_conf_str(prefix, mandatory ?
	    "mandatory_protocols" : "protocols");

	return v != NULL ? v : ">=TLSv1.2";
}

int
tls_server_conf_params(struct tls_server_conf *conf, const char *prefix,
    int mandatory, char **err_r)
{
	static char ticket_file[PATH_MAX];

	memset(conf, 0, sizeof(*conf));
	conf->prefix = prefix;
	if ((conf->cert_file = tls_conf_str(prefix, "cert_file")) == NULL)
		return err_set(err_r, "no such TLS parameters "
		    "(%s_tls_cert_file)", prefix);
	conf->key_file = tls_conf_str(prefix, "key_file");
	conf->eccert_file = tls_conf_str(prefix, "eccert_file");
	conf->eckey_file = tls_conf_str(prefix, "eckey_file");
	conf->chain_files = tls_conf_str(prefix, "chain_files");
	conf->protocols = tls_conf_protocols(prefix, mandatory);
	if (tls_conf_ciphers(prefix, mandatory, &conf->ciphers, err_r) < 0)
		return -1;
	conf->groups = var_tls_eecdh_auto_curves;
	conf->session_timeout = tls_conf_num(prefix, "session_cache_timeout",
	    3600);
	conf->loglevel = (int)tls_conf_num(prefix, "loglevel", 1);
	if (var_data_directory != NULL && *var_data_directory != '\0') {
		snprintf(ticket_file, sizeof(ticket_file),
		    "%s/%s_tls_ticket_keys", var_data_directory, prefix);
		conf->ticket_key_file = ticket_file;
	}
	return 0;
}

int
tls_server_conf_has_cert(const struct tls_server_conf *conf)
{
	return (conf->cert_file != NULL && *conf->cert_file != '\0') ||
	    (conf->eccert_file != NULL && *conf->eccert_file != '\0') ||
	    (conf->chain_files != NULL && *conf->chain_files != '\0');
}

int
tls_client_conf_params(struct tls_client_conf *conf, const char *prefix,
    char **err_r)
{
	const char *lev;
	int mandatory;

	memset(conf, 0, sizeof(*conf));
	conf->prefix = prefix;
	if ((lev = tls_conf_str(prefix, "security_level")) == NULL ||
	    *lev == '\0')
		lev = "none";
	if (tls_level_parse(lev, &conf->level) < 0)
		return err_set(err_r, "%s_tls_security_level = %s: expected "
		    "none, may, encrypt, verify or secure", prefix, lev);
	mandatory = conf->level >= TLS_LEV_ENCRYPT;
	conf->CAfile = tls_conf_str(prefix, "CAfile");
	conf->CApath = tls_conf_str(prefix, "CApath");
	conf->protocols = tls_conf_protocols(prefix, mandatory);
	if (tls_conf_ciphers(prefix, mandatory, &conf->ciphers, err_r) < 0)
		return -1;
	conf->groups = var_tls_eecdh_auto_curves;
	conf->loglevel = (int)tls_conf_num(prefix, "loglevel", 1);
	return 0;
}
