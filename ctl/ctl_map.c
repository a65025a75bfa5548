/* placeholder until the maps module lands */
#include "config.h"
#include <stdio.h>
#include "ctl.h"



int
ctl_map(int argc, char **argv)
{
	(void)argc; (void)argv;
	fprintf(stderr, "postern map: not built yet\n");
	return 2;
}
