/*
 * Unit tests for lib/confine: a process confined to one directory (a
 * user's Maildir) can work inside it and reach nothing outside: not
 * by "../", not by an absolute path, not through a symbolic link
 * planted inside; it can make no symbolic link, pipe or device, and
 * (Landlock ABI 4 and later) connect no TCP socket. Each case runs in
 * a child (the confinement cannot be lifted) and reports back.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "confine.h"
#include "tap.h"

static char tdir[512];

/* One check in the confined child: "name=1" when it held. */
static void
report(int out, const char *name, int held)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%s=%d\n", name, held);

	if (write(out, line, (size_t)n) != n)
		_exit(3);
}

static int
denied(int r)
{
	return r < 0 && (errno == EACCES || errno == EPERM);
}

static void
child(int out)
{
	char path[1024], *err = NULL;
	struct sockaddr_in sin;
	int dfd, fd, abi, s;

	snprintf(path, sizeof(path), "%s/alice", tdir);
	if ((dfd = open(path, O_RDONLY | O_DIRECTORY)) < 0)
		_exit(2);
	abi = confine_beneath(dfd, &err);
	report(out, "abi", abi);
	if (abi <= 0)
		_exit(abi < 0 ? 4 : 0);
	fd = open("new/mine", O_RDONLY);
	report(out, "own message readable", fd >= 0);
	fd = open("cur/written", O_WRONLY | O_CREAT | O_EXCL, 0600);
	report(out, "a new file inside", fd >= 0);
	report(out, "a directory inside", mkdir(".Folder", 0700) == 0);
	report(out, "rename new/ to cur/", rename("new/mine",
	    "cur/mine:2,S") == 0);
	report(out, "unlink inside", unlink("cur/written") == 0);
	report(out, "../bob refused", denied(open("../bob/new/secret",
	    O_RDONLY)));
	snprintf(path, sizeof(path), "%s/bob/new/secret", tdir);
	report(out, "absolute path refused", denied(open(path, O_RDONLY)));
	report(out, "symbolic link to bob refused",
	    denied(open("new/link", O_RDONLY)));
	report(out, "absolute symbolic link refused",
	    denied(open("new/abslink", O_RDONLY)));
	report(out, "/etc/passwd refused", denied(open("/etc/passwd",
	    O_RDONLY)));
	report(out, "no new symbolic link", denied(symlink("x", "new/sym")));
	report(out, "no pipe", denied(mkfifo("new/fifo", 0600)));
	report(out, "nothing to execute", denied(execl("/bin/true", "true",
	    (char *)NULL)));
	if (abi >= 4) {
		s = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(25);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		report(out, "no TCP connection", denied(connect(s,
		    (struct sockaddr *)&sin, sizeof(sin))));
	}
	_exit(0);
}

static void
mkfile(const char *rel, const char *text)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tdir, rel);
	if ((f = fopen(path, "w")) == NULL)
		bail_out("%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

int
main(void)
{
	static const char *const dirs[] = { "alice", "alice/new", "alice/cur",
	    "alice/tmp", "bob", "bob/new", NULL };
	char path[1024], buf[4096], *line, *sp, *eq;
	int pfd[2], status, i, abi = -1, checks = 0;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	tap_init("confine");
	strlcpy(tdir, tap_tmpdir(), sizeof(tdir));
	for (i = 0; dirs[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", tdir, dirs[i]);
		mkdir(path, 0700);
	}
	mkfile("alice/new/mine", "mine\n");
	mkfile("bob/new/secret", "bob's\n");
	snprintf(path, sizeof(path), "%s/alice/new/link", tdir);
	if (symlink("../../bob/new/secret", path) < 0)
		bail_out("symlink: %s", strerror(errno));
	snprintf(buf, sizeof(buf), "%s/bob/new/secret", tdir);
	snprintf(path, sizeof(path), "%s/alice/new/abslink", tdir);
	if (symlink(buf, path) < 0)
		bail_out("symlink: %s", strerror(errno));
	ok(strcmp(confine_describe(0), "no Landlock in this kernel") == 0 &&
	    strcmp(confine_describe(3), "Landlock ABI 3") == 0,
	    "descriptions for the log");

	if (pipe(pfd) < 0)
		bail_out("pipe: %s", strerror(errno));
	fflush(stdout);
	if ((pid = fork()) == 0) {
		close(pfd[0]);
		child(pfd[1]);
	}
	close(pfd[1]);
	while (got < sizeof(buf) - 1 &&
	    (n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(pfd[0]);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "the confined child ran to its end (status %d)", status);
	for (line = strtok_r(buf, "\n", &sp); line != NULL;
	    line = strtok_r(NULL, "\n", &sp)) {
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		if (strcmp(line, "abi") == 0) {
			abi = atoi(eq + 1);
			continue;
		}
		checks++;
		ok(atoi(eq + 1) == 1, "confined: %s", line);
	}
	if (abi == 0)
		skip(1, "the kernel has no Landlock: the working directory and "
		    "fsutil_open_beneath are all the confinement");
	else
		ok(abi > 0 && checks >= 13, "Landlock ABI %d enforced, %d "
		    "checks", abi, checks);
	snprintf(path, sizeof(path), "%s/bob/new/secret", tdir);
	ok(access(path, F_OK) == 0, "bob's message is untouched");
	return done_testing();
}
