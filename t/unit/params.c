/*
 * Unit tests for lib/params: the table, every type and unit, bounds, errors
 * with file:line, unknown names, $name expansion and its loops, overrides,
 * reloads that fail, continuation lines and damaged files.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "params.h"
#include "tap.h"
#include "xmalloc.h"

static const char *dir;
static char *cfpath;

/* Write main.cf with exactly len bytes. */
static void
put_len(const char *text, size_t len)
{
	FILE *fp;

	if ((fp = fopen(cfpath, "w")) == NULL)
		bail_out("fopen %s", cfpath);
	if (fwrite(text, 1, len, fp) != len || fclose(fp) != 0)
		bail_out("write %s", cfpath);
}

static void
put(const char *text)
{
	put_len(text, strlen(text));
}

/* Load main.cf; on failure *err_r holds the error (else NULL). */
static int
load(char **err_r)
{
	return params_load(dir, NULL, err_r);
}

/* main.cf text must load, and name must then read want. */
static void
good(const char *text, const char *name, const char *want)
{
	char *err;

	put(text);
	if (!is_int(load(&err), 0, "loads: %s", text))
		diag("error: %s", err);
	free(err);
	is_str(params_get(name), want, "%s from \"%s\"", name, text);
}

/* main.cf text must fail with cfpath followed by want. */
static void
bad(const char *text, const char *want)
{
	char *err, *full;

	put(text);
	full = xasprintf("%s%s", cfpath, want);
	is_int(load(&err), -1, "refused: %s", text);
	is_str(err, full, "error for \"%s\"", text);
	free(err);
	free(full);
}

static void
test_table(void)
{
	const struct param_info *tab, *pi;
	size_t n, i, j;
	int dup = 0, badname = 0, nodesc = 0;

	tab = params_table(&n);
	ok(n >= 60, "the table has every parameter (%zu)", n);
	for (i = 0; i < n; i++) {
		for (j = i + 1; j < n; j++)
			if (strcmp(tab[i].name, tab[j].name) == 0)
				dup++;
		/* Postfix's own spelling keeps capitals (smtp_tls_CAfile) */
		if (strspn(tab[i].name, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
		    != strlen(tab[i].name))
			badname++;
		if (tab[i].desc == NULL || strlen(tab[i].desc) < 10)
			nodesc++;
	}
	is_int(dup, 0, "no name appears twice");
	is_int(badname, 0, "names are letters, digits and _");
	is_int(nodesc, 0, "every parameter has a description");
	pi = params_find("message_size_limit");
	ok(pi != NULL && pi->type == PARAM_TYPE_SIZE &&
	    pi->var == &var_message_size_limit,
	    "params_find finds a SIZE and its variable");
	ok(params_find("no_such_parameter") == NULL, "unknown name not found");
	is_str(params_type_name(PARAM_TYPE_TIME), "time", "type name");
	is_str(params_type_name(PARAM_TYPE_MAP), "map list", "map type name");
}

static void
test_defaults(void)
{
	char *err, *want;

	is_int(params_load(NULL, NULL, &err), 0, "defaults alone load");
	is_int(var_message_size_limit, 10240000, "message_size_limit");
	is_int(var_max_idle, 100, "max_idle 100s");
	is_int(var_maximal_queue_lifetime, 5 * 86400, "5d");
	is_int(var_maximal_backoff_time, 4000, "4000s");
	is_int(var_delay_warning_time, 0, "0h");
	is_int(var_default_process_limit, 100, "default_process_limit");
	is_int(var_soft_bounce, 0, "soft_bounce no");
	is_str(var_mail_owner, DEF_MAIL_OWNER, "mail_owner from configure");
	is_str(var_vmail_owner, DEF_VMAIL_USER, "vmail_owner from configure");
	is_str(var_queue_directory, DEF_QUEUE_DIR, "queue_directory");
	is_str(var_config_directory, DEF_CONFIG_DIR, "config_directory");
	is_str(var_myorigin, var_myhostname, "myorigin = $myhostname");
	want = xasprintf("%s, localhost.%s, localhost", var_myhostname,
	    var_mydomain);
	is_str(var_mydestination, want, "mydestination expanded");
	free(want);
	want = xasprintf("%s ESMTP Postern", var_myhostname);
	is_str(var_smtpd_banner, want, "smtpd_banner");
	free(want);
	is_str(var_mynetworks, "127.0.0.0/8 [::1]/128", "mynetworks");
	is_str(var_smtpd_tls_key_file, "", "empty $smtpd_tls_cert_file");
	is_str(params_get_raw("myorigin"), "$myhostname", "raw default");
	is_str(params_get_set("myorigin"), NULL, "not set in main.cf");
	ok(params_set_names()[0] == NULL, "nothing set in main.cf");
	is_str(params_default("smtpd_banner"), "$myhostname ESMTP $mail_name",
	    "params_default is unexpanded");
	is_str(params_default("nosuch"), NULL, "no default for unknown");
	is_str(params_get("nosuch"), NULL, "params_get of unknown is NULL");
	tap_check_log("defaults");
}

static void
test_missing(void)
{
	char *err, *sub;

	sub = xasprintf("%s/nonexistent/", dir);
	is_int(params_load(sub, NULL, &err), 0, "missing main.cf is fine");
	is_int(var_max_use, 10000, "defaults apply");
	sub[strlen(sub) - 1] = '\0';
	is_str(var_config_directory, sub,
	    "config_directory is where it was read from");
	free(sub);
	tap_check_log("missing main.cf");
}

static void
test_units(void)
{
	static const struct {
		int		 size;	/* else time */
		const char	*in;
		long long	 want;	/* -1: error */
		const char	*err;
	} t[] = {
		{ 0, "30", 30, NULL },
		{ 0, "30s", 30, NULL },
		{ 0, "5m", 300, NULL },
		{ 0, "1h", 3600, NULL },
		{ 0, "2d", 172800, NULL },
		{ 0, "1w", 604800, NULL },
		{ 0, "5D", 432000, NULL },
		{ 0, "0h", 0, NULL },
		{ 0, "", -1, "not a number" },
		{ 0, "h", -1, "not a number" },
		{ 0, "-5", -1, "not a number" },
		{ 0, " 5", -1, "not a number" },
		{ 0, "5 ", -1, "bad time unit (use s, m, h, d or w)" },
		{ 0, "5x", -1, "bad time unit (use s, m, h, d or w)" },
		{ 0, "5ms", -1, "bad time unit (use s, m, h, d or w)" },
		{ 0, "1.5h", -1, "bad time unit (use s, m, h, d or w)" },
		{ 0, "99999999999999999999", -1, "number too large" },
		{ 0, "9223372036854775807w", -1, "number too large" },
		{ 1, "10240000", 10240000, NULL },
		{ 1, "10k", 10240, NULL },
		{ 1, "10K", 10240, NULL },
		{ 1, "10m", 10485760, NULL },
		{ 1, "1g", 1073741824, NULL },
		{ 1, "10q", -1, "bad size unit (use k, m or g)" },
		{ 1, "10kb", -1, "bad size unit (use k, m or g)" },
		{ 1, "k", -1, "not a number" },
		{ 1, "9223372036854775807k", -1, "number too large" },
	};
	const char *err;
	long long v;
	size_t i;
	int r, b;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err = NULL;
		v = -1;
		r = t[i].size ? params_parse_size(t[i].in, &v, &err) :
		    params_parse_time(t[i].in, &v, &err);
		if (t[i].want >= 0) {
			is_int(r, 0, "%s \"%s\" parses",
			    t[i].size ? "size" : "time", t[i].in);
			is_int(v, t[i].want, "%s \"%s\" value",
			    t[i].size ? "size" : "time", t[i].in);
		} else {
			is_int(r, -1, "%s \"%s\" refused",
			    t[i].size ? "size" : "time", t[i].in);
			is_str(err, t[i].err, "reason for \"%s\"", t[i].in);
		}
	}
	ok(params_parse_bool("yes", &b, &err) == 0 && b == 1, "yes");
	ok(params_parse_bool("NO", &b, &err) == 0 && b == 0, "NO");
	ok(params_parse_bool("true", &b, &err) == -1 &&
	    strcmp(err, "expected yes or no") == 0, "true is not a bool");
	ok(params_parse_bool("", &b, &err) == -1, "empty is not a bool");
}

static void
test_format(void)
{
	char buf[32];

	params_format_number(buf, sizeof(buf), PARAM_TYPE_TIME, 86400);
	is_str(buf, "1d", "a day");
	params_format_number(buf, sizeof(buf), PARAM_TYPE_TIME, 90);
	is_str(buf, "90s", "90 seconds");
	params_format_number(buf, sizeof(buf), PARAM_TYPE_TIME, 300);
	is_str(buf, "5m", "5 minutes");
	params_format_number(buf, sizeof(buf), PARAM_TYPE_SIZE, 10240);
	is_str(buf, "10k", "10k");
	params_format_number(buf, sizeof(buf), PARAM_TYPE_SIZE, 1000);
	is_str(buf, "1000", "1000 bytes");
	params_format_number(buf, sizeof(buf), PARAM_TYPE_INT, 3600);
	is_str(buf, "3600", "INT has no unit");
}

static void
test_types(void)
{
	char *err, **l;

	put("# every type\n"
	    "myorigin = example.org\n"
	    "mynetworks = 10.0.0.0/8,192.0.2.0/24  [2001:db8::]/32\n"
	    "virtual_alias_maps = hash:/etc/postern/virtual, "
	    "inline:{ a@x=b@y, c@x=d@y } texthash:/t\n"
	    "smtpd_recipient_limit = 250\n"
	    "soft_bounce = YES\n"
	    "smtpd_timeout = 2m\n"
	    "message_size_limit = 25m\n"
	    "maximal_queue_lifetime = 1w\n");
	if (!is_int(load(&err), 0, "every type loads"))
		diag("%s", err);
	free(err);
	is_str(var_myorigin, "example.org", "STR");
	l = params_list(var_mynetworks);
	ok(l[0] && strcmp(l[0], "10.0.0.0/8") == 0 && l[1] &&
	    strcmp(l[1], "192.0.2.0/24") == 0 && l[2] &&
	    strcmp(l[2], "[2001:db8::]/32") == 0 && l[3] == NULL,
	    "LIST splits on commas and blanks");
	params_list_free(l);
	l = params_list(var_virtual_alias_maps);
	ok(l[0] && strcmp(l[0], "hash:/etc/postern/virtual") == 0 && l[1] &&
	    strcmp(l[1], "inline:{ a@x=b@y, c@x=d@y }") == 0 && l[2] &&
	    strcmp(l[2], "texthash:/t") == 0 && l[3] == NULL,
	    "MAP splits, keeping {...} whole");
	params_list_free(l);
	l = params_list(" , ");
	ok(l[0] == NULL, "an empty list");
	params_list_free(l);
	is_int(var_smtpd_recipient_limit, 250, "INT");
	is_int(var_soft_bounce, 1, "BOOL");
	is_int(var_smtpd_timeout, 120, "TIME");
	is_int(var_message_size_limit, 25 * 1024 * 1024, "SIZE");
	is_int(var_maximal_queue_lifetime, 7 * 86400, "TIME in weeks");
	is_str(params_get("smtpd_timeout"), "2m", "params_get gives the text");
	tap_check_log("types");
}

static void
test_bad_values(void)
{
	static const struct {
		const char	*text;
		const char	*want;	/* after the path */
	} t[] = {
		{ "# comment\n\nmessage_size_limit = 10q\n",
		    ":3: message_size_limit: bad value \"10q\": "
		    "bad size unit (use k, m or g)" },
		{ "soft_bounce = maybe\n",
		    ":1: soft_bounce: bad value \"maybe\": "
		    "expected yes or no" },
		{ "smtpd_recipient_limit = 12abc\n",
		    ":1: smtpd_recipient_limit: bad value \"12abc\": "
		    "not a number" },
		{ "smtpd_timeout = 5x\n",
		    ":1: smtpd_timeout: bad value \"5x\": "
		    "bad time unit (use s, m, h, d or w)" },
		{ "max_use = 0\n",
		    ":1: max_use: bad value \"0\": out of range "
		    "(1 to 1000000000)" },
		{ "hopcount_limit = 1001\n",
		    ":1: hopcount_limit: bad value \"1001\": out of range "
		    "(1 to 1000)" },
		{ "smtpd_error_sleep_time = 301\n",
		    ":1: smtpd_error_sleep_time: bad value \"301\": out of "
		    "range (0s to 5m)" },
		{ "max_idle = 0s\n",
		    ":1: max_idle: bad value \"0s\": out of range "
		    "(1s to 36500d)" },
		{ "header_size_limit = 1023\n",
		    ":1: header_size_limit: bad value \"1023\": out of range "
		    "(1k to 1048576g)" },
		{ "alias_maps = /etc/aliases\n",
		    ":1: alias_maps: bad value \"/etc/aliases\": "
		    "\"/etc/aliases\" is not a lookup table (type:name, as "
		    "hash:/etc/postern/aliases)" },
		{ "smtpd_tls_security_level = maybe\n",
		    ":1: smtpd_tls_security_level: bad value \"maybe\": "
		    "\"maybe\" is not one of: none may encrypt" },
		{ "inet_protocols = ipv4, ipv5\n",
		    ":1: inet_protocols: bad value \"ipv4, ipv5\": \"ipv5\" "
		    "is not one of: all ipv4 ipv6" },
		{ "mydestination = \"a, b\n",
		    ":1: mydestination: bad value \"\"a, b\": a quoted "
		    "string does not end (\")" },
		{ "alias_maps = inline:{a=b, c=d\n",
		    ":1: alias_maps: bad value \"inline:{a=b, c=d\": a { group "
		    "does not end (})" },
		{ "myhostname = bad host!\n",
		    ":1: myhostname: bad value \"bad host!\": not a valid "
		    "host name" },
		{ "myhostname = \n",
		    ":1: myhostname: bad value \"\": not a valid host name" },
		{ "max_use = 5\nmyorigin\n",
		    ":2: missing '=' after parameter name" },
		{ " = x\n", ":1: missing parameter name before '='" },
		{ "max-use = 5\n",
		    ":1: bad parameter name (use letters, digits and _)" },
		{ "relayhost = $nosuch\n",
		    ":1: relayhost: undefined parameter $nosuch" },
		{ "relayhost = ${relay\n",
		    ":1: relayhost: missing '}' after \"${relay\"" },
		{ "relayhost = ${relay host}\n",
		    ":1: relayhost: bad parameter name in \"${relay \"" },
		{ "relayhost = ${mydomain?x\n",
		    ":1: relayhost: missing '}' after \"${mydomain?\"" },
		{ "relayhost = $(relay\n",
		    ":1: relayhost: missing ')' after \"$(relay\"" },
		/* the continued line is reported at its first line */
		{ "max_use = 5\nmax_idle = 10\n  0x\n",
		    ":2: max_idle: bad value \"10 0x\": "
		    "bad time unit (use s, m, h, d or w)" },
		/* a bad value reached through a reference */
		{ "t = 10q\nmessage_size_limit = $t\n",
		    ":2: message_size_limit: bad value \"10q\": "
		    "bad size unit (use k, m or g)" },
		/* the first error in file order is the one reported */
		{ "smtpd_timeout = bad\nmax_use = bad\n",
		    ":1: smtpd_timeout: bad value \"bad\": not a number" },
		{ "max_use = bad\nsmtpd_timeout = bad\n",
		    ":1: max_use: bad value \"bad\": not a number" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		bad(t[i].text, t[i].want);
	good("hopcount_limit = 1000\n", "hopcount_limit", "1000");
	good("hopcount_limit = 1\n", "hopcount_limit", "1");
	good("inet_protocols = ipv4, ipv6\n", "inet_protocols", "ipv4, ipv6");
	good("smtp_tls_security_level = verify\n", "smtp_tls_security_level",
	    "verify");
	good("message_size_limit = 0\n", "message_size_limit", "0");
	tap_check_log("bad values");
}

static void
test_default_refs(void)
{
	char *err, *want;

	/* a default that refers to a value unfit for it */
	put("mail_owner = x\nbounce_queue_lifetime = $maximal_queue_lifetime\n"
	    "maximal_queue_lifetime = 2d\n");
	is_int(load(&err), 0, "a default-style reference to a valid value");
	free(err);
	is_int(var_bounce_queue_lifetime, 172800, "follows the reference");
	put("max_use = 5\nsmtpd_tls_cert_file = $smtpd_tls_key_file\n");
	is_int(load(&err), -1, "default of smtpd_tls_key_file loops back");
	want = xasprintf("%s:2: smtpd_tls_cert_file: parameter expansion "
	    "loop: $smtpd_tls_cert_file -> $smtpd_tls_key_file -> "
	    "$smtpd_tls_cert_file", cfpath);
	is_str(err, want, "the loop through a default is shown");
	free(want);
	free(err);
	tap_check_log("bad defaults");
}

static void
test_unknown(void)
{
	char *err, *want;

	want = xasprintf("%s:3: unknown parameter mesage_size_limit", cfpath);
	tap_expect_log(want);
	good("# typo\nmax_use = 5\nmesage_size_limit = 10m\n",
	    "message_size_limit", "10240000");
	tap_check_log("unknown name warns with file:line");
	free(want);
	is_str(params_get_set("mesage_size_limit"), "10m",
	    "an unknown name is still kept as set");
	is_str(params_get("mesage_size_limit"), NULL,
	    "but params_get knows only the table");

	/* a variable of the admin's own, used by another value */
	good("office = 192.0.2.0/24\nmynetworks = 127.0.0.0/8 $office\n",
	    "mynetworks", "127.0.0.0/8 192.0.2.0/24");
	tap_check_log("a referenced variable does not warn");

	/* the warning comes only with a successful load */
	put("nosuch = 1\nmax_use = 0\n");
	is_int(load(&err), -1, "a bad load");
	free(err);
	tap_check_log("no warning from a refused load");
}

/* params_nearest: a typo finds the name it meant, nonsense nothing. */
static void
test_nearest(void)
{
	static const struct {
		const char	*typo;
		const char	*want;
	} cases[] = {
		{ "mesage_size_limit", "message_size_limit" },	/* dropped */
		{ "messagee_size_limit", "message_size_limit" },	/* added */
		{ "message_sise_limit", "message_size_limit" },	/* changed */
		{ "messgae_size_limit", "message_size_limit" },	/* swapped */
		{ "smtpd_tls_secruity_level", "smtpd_tls_security_level" },
		{ "mail_ownre", "mail_owner" },
		{ "max_use", "max_use" },			/* known */
		{ "completely_unrelated_name", NULL },
		{ "xyz", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		is_str(params_nearest(cases[i].typo), cases[i].want,
		    "nearest to %s", cases[i].typo);
}

static int nproblems;
static char problems[4][256];

static void
collect(void *arg, const char *text)
{
	(void)arg;
	if (nproblems < 4)
		strlcpy(problems[nproblems], text, sizeof(problems[0]));
	nproblems++;
}

/* params_load_all: every problem, and the rest of main.cf still loads. */
static void
test_load_all(void)
{
	char *want;

	nproblems = 0;
	put("max_use = 7\nmessage_size_limit = ten\nno equals here\n"
	    "max_idle = 1x\nmyhostname = mail.example\n");
	is_int(params_load_all(dir, NULL, collect, NULL), 3,
	    "three problems, one load");
	tap_check_log("no warning besides");
	is_int(nproblems, 3, "each reported");
	want = xasprintf("%s:3: missing '=' after parameter name", cfpath);
	is_str(problems[0], want, "the bad line, with file:line");
	free(want);
	want = xasprintf("%s:2: message_size_limit: bad value", cfpath);
	like(problems[1], want, "the bad size, with file:line");
	free(want);
	want = xasprintf("%s:4: max_idle: bad value", cfpath);
	like(problems[2], want, "the bad time, with file:line");
	free(want);
	is_str(params_get("max_use"), "7", "a good value before them loads");
	is_str(params_get("myhostname"), "mail.example", "and one after");
	is_str(params_get("message_size_limit"), "10240000",
	    "a bad value gives way to the default");
	is_int(var_message_size_limit, 10240000, "in its variable too");
	is_int(var_max_idle, 100, "max_idle too");

	/* a typo: the warning names the nearest parameter */
	put("mesage_size_limit = 10m\n");
	want = xasprintf("%s:1: unknown parameter mesage_size_limit (did you "
	    "mean message_size_limit?)", cfpath);
	tap_expect_log(want);
	nproblems = 0;
	is_int(params_load_all(dir, NULL, collect, NULL), 0,
	    "an unknown name is no problem for the load");
	tap_check_log("its warning says which name was meant");
	free(want);

	/* a main.cf that cannot be read: one problem, every default */
	put("max_use = 7\n");
	if (chmod(cfpath, 0) < 0)
		bail_out("chmod");
	nproblems = 0;
	if (geteuid() == 0)
		skip(2, "root reads a file of mode 0");
	else {
		is_int(params_load_all(dir, NULL, collect, NULL), 1,
		    "an unreadable main.cf is one problem");
		is_str(params_get("max_use"), "10000", "and the defaults "
		    "load");
	}
	chmod(cfpath, 0644);
}

static void
test_expansion(void)
{
	static const struct {
		const char	*text;
		const char	*name;
		const char	*want;
	} t[] = {
		{ "relayhost = $myorigin\nmyorigin = example.org\n",
		    "relayhost", "example.org" },
		{ "relayhost = [${myorigin}]:587\nmyorigin = example.org\n",
		    "relayhost", "[example.org]:587" },
		{ "relayhost = $(myorigin)x\nmyorigin = example.org\n",
		    "relayhost", "example.orgx" },
		/* nested: a chain of references, defined in any order */
		{ "relayhost = $a\na = <$b>\nb = [$c]\nc = deep\n",
		    "relayhost", "<[deep]>" },
		{ "myorigin = a.example\nrelayhost = ${myorigin?x.$myorigin}\n",
		    "relayhost", "x.a.example" },
		{ "relayhost = ${recipient_delimiter?set}\n",
		    "relayhost", "" },
		{ "relayhost = ${recipient_delimiter:unset}\n",
		    "relayhost", "unset" },
		{ "relayhost = ${nosuch:unset}\n", "relayhost", "unset" },
		{ "relayhost = ${nosuch?set}\n", "relayhost", "" },
		{ "myorigin = o\nrelayhost = ${myorigin:x}\n",
		    "relayhost", "" },
		{ "myorigin = o\nrelayhost = "
		    "${myorigin?{${recipient_delimiter:none}}}\n",
		    "relayhost", "{none}" },
		{ "smtpd_banner = $$5 $ ok $\n", "smtpd_banner", "$5 $ ok $" },
		{ "smtpd_reject_footer = call $client_address\n",
		    "smtpd_reject_footer", "call $client_address" },
		{ "myhostname = mx.example.org\n", "mydomain", "example.org" },
		{ "myhostname = mx\n", "mydomain", "localdomain" },
		{ "myhostname = mx.example.org\n", "mydestination",
		    "mx.example.org, localhost.example.org, localhost" },
	};
	char *err, *want, *text;
	size_t i;
	int k;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		good(t[i].text, t[i].name, t[i].want);
	is_str(params_get_raw("mydestination"),
	    "$myhostname, localhost.$mydomain, localhost",
	    "raw value stays unexpanded");

	/* mydomain set: a host name without a dot is qualified with it */
	put("mydomain = example.net\n");
	is_int(load(&err), 0, "mydomain alone");
	free(err);
	if (strchr(params_default("myhostname"), '.') == NULL) {
		want = xasprintf("%s.example.net",
		    params_default("myhostname"));
		is_str(var_myhostname, want,
		    "myhostname qualified by mydomain");
		free(want);
	} else
		is_str(var_myhostname, params_default("myhostname"),
		    "a qualified host name is kept");

	/* loops */
	bad("a = $b\nb = ${a}\nrelayhost = $a\n",
	    ":3: relayhost: parameter expansion loop: $a -> $b -> $a");
	bad("relayhost = x$relayhost\n",
	    ":1: relayhost: parameter expansion loop: $relayhost -> "
	    "$relayhost");
	bad("myorigin = $mydomain\nmydomain = $myorigin\n",
	    ":1: myorigin: parameter expansion loop: $myorigin -> "
	    "$mydomain -> $myorigin");
	bad("relayhost = ${x?$relayhost}\nx = 1\n",
	    ":1: relayhost: parameter expansion loop: $relayhost -> "
	    "$relayhost");
	bad("myhostname = mx.$mydomain\n",
	    ":1: myhostname: parameter expansion loop: $myhostname -> "
	    "$mydomain -> $myhostname");

	/* a long chain ends at the depth limit */
	text = xstrdup("relayhost = $v0\n");
	for (k = 0; k < 100; k++) {
		char *next = xasprintf("%sv%d = $v%d\n", text, k, k + 1);

		free(text);
		text = next;
	}
	bad(text, ":1: relayhost: parameter expansion nested deeper than "
	    "64 levels at $v63");
	free(text);

	/* values that double at every level stop at the size limit */
	text = xstrdup("relayhost = $v0\nv40 = xxxxxxxx\n");
	for (k = 0; k < 40; k++) {
		char *next = xasprintf("%sv%d = $v%d$v%d\n", text, k, k + 1,
		    k + 1);

		free(text);
		text = next;
	}
	bad(text, ":1: relayhost: value longer than 1048576 bytes after "
	    "expansion");
	free(text);
	tap_check_log("expansion");
}

static void
test_overrides(void)
{
	const char *ov[] = { "max_use=7", " myorigin = o.example  ",
	    "relayhost=[$myorigin]", NULL };
	const char *bad1[] = { "max_use=zero", NULL };
	const char *bad2[] = { "max_use", NULL };
	const char *unk[] = { "nosuch=1", NULL };
	char *err;

	put("max_use = 5\nmyorigin = m.example\nsmtpd_timeout = 1m\n");
	is_int(params_load(dir, ov, &err), 0, "overrides load");
	is_int(var_max_use, 7, "an override beats main.cf");
	is_str(var_myorigin, "o.example", "blanks around an override trimmed");
	is_str(var_relayhost, "[o.example]",
	    "an override is expanded with overridden values");
	is_int(var_smtpd_timeout, 60, "main.cf still applies");
	is_str(params_get_set("max_use"), "5", "params_get_set is main.cf's");
	is_str(params_get_raw("max_use"), "7", "params_get_raw is in effect");
	is_int(params_load(dir, bad1, &err), -1, "a bad override");
	is_str(err,
	    "-o max_use=zero: max_use: bad value \"zero\": not a number",
	    "its error names the override");
	free(err);
	is_int(params_load(dir, bad2, &err), -1, "an override without =");
	is_str(err, "-o max_use: missing '=' after parameter name",
	    "named too");
	free(err);
	tap_expect_log("-o nosuch=1: unknown parameter nosuch");
	is_int(params_load(dir, unk, &err), 0, "an unknown override");
	tap_check_log("an unknown override warns");
}

static void
test_reload(void)
{
	char *err, *relay;

	put("max_use = 5\nrelayhost = [a.example]\n");
	is_int(load(&err), 0, "first load");
	relay = var_relayhost;
	put("max_use = 6\nrelayhost = [b.example]\nmessage_size_limit = 10q\n");
	is_int(load(&err), -1, "a bad reload is refused");
	free(err);
	is_int(var_max_use, 5, "INT kept");
	ok(var_relayhost == relay && strcmp(var_relayhost, "[a.example]") == 0,
	    "STR kept, same storage");
	is_str(params_get("relayhost"), "[a.example]", "params_get kept");
	is_str(params_get_set("max_use"), "5", "params_get_set kept");
	put("max_use = 6\nrelayhost = [b.example]\n");
	is_int(load(&err), 0, "a good reload");
	is_int(var_max_use, 6, "INT replaced");
	is_str(var_relayhost, "[b.example]", "STR replaced");
	tap_check_log("reload");
}

static void
test_file_shapes(void)
{
	static const char nul[] = "max_use = 5\nrelayhost = a\0b\n";
	const char *const *set;
	char *err, *want;

	good("mydestination = a,\n  b,\n\n  # a comment inside\n\tc\n"
	    "max_use = 3\n", "mydestination", "a, b, c");
	is_int(var_max_use, 3, "the line after a continuation");
	good("max_use = 3\r\nrelayhost = r \t\r\n", "relayhost", "r");
	good("max_use = 3\nmax_use = 4\nmyorigin = o\n", "max_use", "4");
	set = params_set_names();
	ok(set[0] && strcmp(set[0], "max_use") == 0 && set[1] &&
	    strcmp(set[1], "myorigin") == 0 && set[2] == NULL,
	    "set names: once each, in file order");
	good("myorigin =\n", "myorigin", "");
	good("", "max_use", "10000");
	good("# only comments\n\n   \n", "max_use", "10000");

	put_len(nul, sizeof(nul) - 1);
	is_int(load(&err), -1, "a NUL byte is refused");
	want = xasprintf("%s:2: embedded NUL character", cfpath);
	is_str(err, want, "at its line");
	free(want);
	free(err);
	tap_check_log("file shapes");
}

static void
test_check_file(void)
{
	char *path, *err;
	FILE *fp;

	put("max_use = 9\n");
	is_int(load(&err), 0, "live values");
	path = xasprintf("%s/other.cf", dir);
	fp = fopen(path, "w");
	fputs("# x\nmax_use = 2\nsmtpd_timeout = 1q\n", fp);
	fclose(fp);
	is_int(params_check_file(path, "/etc/postern/main.cf", NULL, &err), -1,
	    "check_file finds the error");
	is_str(err, "/etc/postern/main.cf:3: smtpd_timeout: bad value \"1q\": "
	    "bad time unit (use s, m, h, d or w)", "named with the label");
	free(err);
	fp = fopen(path, "w");
	fputs("max_use = 2\n", fp);
	fclose(fp);
	is_int(params_check_file(path, NULL, NULL, &err), 0, "a good file");
	is_int(var_max_use, 9, "live values untouched by checks");
	unlink(path);
	is_int(params_check_file(path, NULL, NULL, &err), -1,
	    "a missing file is an error for check_file");
	like(err, "No such file", "says so");
	free(err);
	free(path);
	tap_check_log("check_file");
}

static void
die_bad(void *arg)
{
	(void)arg;
	params_load_or_die(dir, NULL);
}

static void
test_or_die(void)
{
	char buf[1024];
	int status;

	put("message_size_limit = 10q\n");
	status = tap_fork(die_bad, NULL, buf, sizeof(buf));
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
	    "params_load_or_die exits 1");
	like(buf, "fatal: ", "with a fatal line");
	like(buf, "main.cf:1: message_size_limit: bad value \"10q\"",
	    "that names file, line and parameter");
}

static void
test_free(void)
{
	char *err;

	put("relayhost = r\n");
	is_int(load(&err), 0, "load");
	params_free();
	ok(var_relayhost == NULL && var_max_use == 0, "params_free clears");
	is_str(params_get("relayhost"), NULL, "nothing loaded");
	ok(params_set_names()[0] == NULL, "no set names");
}

int
main(void)
{
	tap_init("params");
	dir = tap_tmpdir();
	cfpath = xasprintf("%s/main.cf", dir);

	test_table();
	test_defaults();
	test_missing();
	test_units();
	test_format();
	test_types();
	test_bad_values();
	test_default_refs();
	test_unknown();
	test_nearest();
	test_load_all();
	test_expansion();
	test_overrides();
	test_reload();
	test_file_shapes();
	test_check_file();
	test_or_die();
	test_free();
	free(cfpath);
	return done_testing();
}
